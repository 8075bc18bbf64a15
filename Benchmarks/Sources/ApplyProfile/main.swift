// A one-shot apply's CPU apart from the kernel, natively (the host has no IPVS): the phases of
// `ipvsctl-swift apply` of a config file against an in-memory IPVS table (ReconcilerTestKit) and
// an in-memory nftables table, timed each, medians of several rounds. W1 is the first apply into
// an empty table, W3 the same file again. What the kernel itself spends is the kernel lab's to
// measure (Benchmarks/run.sh); this says where our own time goes, and under `perf record` why.
//
// Usage: apply-profile CONFIG [ROUNDS]   (CONFIG: e.g. the lab's w1.yaml, from workloads.py)
import Config
import Foundation
import IPVSCore
import Logging
import Reconciler
import ReconcilerTestKit

let arguments = CommandLine.arguments
guard arguments.count > 1 else {
    print("usage: apply-profile CONFIG [ROUNDS]")
    exit(64)
}
let path = arguments[1]
let rounds = arguments.count > 2 ? Int(arguments[2]) ?? 5 : 5
var logger = Logger(label: "apply-profile")
logger.logLevel = .warning
let clock = ContinuousClock()
var phases: [String: [Duration]] = [:]
let order = ["load", "W1 plan", "W1 apply", "W3 plan", "W3 apply"]

@MainActor func timed<T>(_ phase: String, _ body: () throws -> T) rethrows -> T {
    let start = clock.now
    defer { phases[phase, default: []].append(clock.now - start) }
    return try body()
}

for _ in 0..<rounds {
    let directory = FileManager.default.temporaryDirectory.appendingPathComponent("apply-profile-\(UUID())").path
    try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(atPath: directory) }
    let state = try timed("load") { try ConfigLoader.load(contentsOf: path) }
    let reconciler = Reconciler(
        table: InMemoryIPVSTable(), addresses: nil, packetFilter: InMemoryPacketFilter(),
        ledgerStore: LedgerStore(directory: directory), logger: logger)
    let options = Reconciler.Options(node: "bench", interface: state.interface, now: 0)
    for workload in ["W1", "W3"] {
        let planning = try timed("\(workload) plan") { try reconciler.plan(state, options: options) }
        let report = try timed("\(workload) apply") { try reconciler.apply(planning, interface: state.interface) }
        precondition(report.failures.isEmpty, "\(workload): \(report.failures.count) commands failed")
    }
}

func milliseconds(_ duration: Duration) -> Double {
    Double(duration.components.seconds) * 1e3 + Double(duration.components.attoseconds) / 1e15
}
for phase in order {
    let sorted = (phases[phase] ?? []).sorted()
    guard !sorted.isEmpty else { continue }
    print("\(phase): \((milliseconds(sorted[sorted.count / 2]) * 10).rounded() / 10) ms (median of \(sorted.count))")
}
