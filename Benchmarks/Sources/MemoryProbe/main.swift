// How many bytes of heap each real server costs us, model by model, for the synthetic table
// (default 10,000 services × 10 real servers). A plain process, without the benchmark
// harness's malloc interposer (which adds a header to every allocation): glibc's own count of
// bytes in use (mallinfo2) is read before and after each model is built and kept alive.
//
// usage: memory-probe [SERVICES]                   prints one JSON object
//        memory-probe SERVICES --service-files   the config alone, in service files of 100
//        memory-probe SERVICES --agent           the agent after two full passes (AgentProbe.swift)
import CHeap
import Config
import Glibc
import IPVSCore
import Workloads

func heapInUse() -> Int { Int(cheap_heap_in_use()) }

/// Resident set size, from the second field of /proc/self/statm (in pages).
func residentBytes() -> Int {
    guard let file = fopen("/proc/self/statm", "r") else { return 0 }
    defer { fclose(file) }
    var line = [CChar](repeating: 0, count: 128)
    guard fgets(&line, Int32(line.count), file) != nil else { return 0 }
    let fields = String(decoding: line.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self).split(separator: " ")
    guard fields.count >= 2, let pages = Int(fields[1]) else { return 0 }
    return pages * sysconf(Int32(_SC_PAGESIZE))
}

/// The resident set's high-water mark (VmHWM in /proc/self/status).
func peakResidentBytes() -> Int {
    guard let file = fopen("/proc/self/status", "r") else { return 0 }
    defer { fclose(file) }
    var line = [CChar](repeating: 0, count: 256)
    while fgets(&line, Int32(line.count), file) != nil {
        let text = String(decoding: line.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
        guard text.hasPrefix("VmHWM:") else { continue }
        return (Int(text.dropFirst(6).filter(\.isNumber)) ?? 0) * 1024
    }
    return 0
}

/// Makes the high-water mark the current resident set (proc(5), clear_refs: 5).
func resetPeakResident() {
    guard let file = fopen("/proc/self/clear_refs", "w") else { return }
    fputs("5", file)
    fclose(file)
}

let services = CommandLine.arguments.count > 1 ? Int(CommandLine.arguments[1]) ?? 10_000 : 10_000
let table = SyntheticTable(services: services)
let realServers = Double(table.realServers)

if CommandLine.arguments.dropFirst(2).first == "--service-files" {
    probeServiceFiles(table)
    exit(0)
}
if CommandLine.arguments.dropFirst(2).first == "--agent" {
    await probeAgent(table)
    exit(0)
}

let residentAtStart = residentBytes()
/// Heap growth between two marks, by what was built in between.
struct HeapMeter {
    var measured: [(String, Int)] = []
    var mark = heapInUse()

    mutating func record(_ name: String) {
        let now = heapInUse()
        measured.append((name, now - mark))
        mark = now
    }
}
var meter = HeapMeter()

// The YAML text is read and parsed; what stays is what the agent keeps between reloads: the
// config session (the validated model, the last good text, what the services claim). The
// parse's peak: how far the resident set rose above where it was with the text alone.
var parsePeak = 0
let session: ConfigSession = {
    let yaml = Array(table.yaml().utf8)
    let before = residentBytes()
    resetPeakResident()
    defer { parsePeak = peakResidentBytes() - before }
    do { return try ConfigSession(path: "bench.yaml", text: yaml) } catch { fatalError("\(error)") }
}()
let state = session.state
meter.record("config")
let desired = EndpointSelection.select(state, node: "bench")
meter.record("desired")  // DesiredKernelState: kept as the last applied one
let observed = SyntheticTable.observed(desired)
meter.record("observed")  // one full read of the kernel, during a reconcile
let mirror = TableMirror(observed)
meter.record("mirror")  // the read as scoped passes plan against it: kept between passes
let plan = Planner.plan(
    desired: desired, observed: observed, observedAddresses: desired.addresses,
    ledger: SyntheticTable.ledger(owning: desired), options: Planner.Options(now: 0))
meter.record("noOpPlan")
precondition(plan.changes.isEmpty, "the synthetic table must plan to nothing against itself")

var json = "{\"services\": \(services), \"realServers\": \(table.realServers)"
var total = 0
for (name, bytes) in meter.measured {
    total += bytes
    json += ", \"\(name)BytesPerRealServer\": \(Double(bytes) / realServers)"
}
json += ", \"totalBytesPerRealServer\": \(Double(total) / realServers)"
// What the agent keeps between passes: the config model, the desired kernel state last
// applied, the mirror. (The full read and the plan live during a pass only.)
let kept = meter.measured.filter { ["config", "desired", "mirror"].contains($0.0) }.reduce(0) { $0 + $1.1 }
json += ", \"steadyStateBytesPerRealServer\": \(Double(kept) / realServers)"
json += ", \"configParsePeakResidentBytesPerRealServer\": \(Double(parsePeak) / realServers)"
json += ", \"residentBytesPerRealServer\": \(Double(residentBytes() - residentAtStart) / realServers)}"
print(json)
withExtendedLifetime((state, desired, observed, mirror, plan)) {}

/// The same services in service files of 100 (`serviceFiles`), loaded in a process of its own: a
/// load composes one file at a time, so its peak is one file's tree beside the model.
func probeServiceFiles(_ table: SyntheticTable) {
    let realServers = Double(table.realServers)
    let directory = "/tmp/ipvsctl-memory-probe-\(getpid())"
    mkdir(directory, 0o755)
    mkdir(directory + "/services.d", 0o755)
    func write(_ text: String, to path: String) {
        guard let file = fopen(path, "w") else { fatalError("cannot write \(path)") }
        fputs(text, file)
        fclose(file)
    }
    var paths: [String] = []
    do {
        let items = table.yaml().split(separator: "\n  - name: ", omittingEmptySubsequences: false).dropFirst().map { "  - name: " + $0 }
        var part = 0
        while part * 100 < items.count {
            // Zero-padded: the files are taken in sorted order.
            let number = "\(part)"
            let path = directory + "/services.d/part-" + String(repeating: "0", count: max(0, 4 - number.count)) + number + ".yaml"
            write("services:\n" + items[(part * 100)..<min(items.count, (part + 1) * 100)].joined(separator: "\n") + "\n", to: path)
            paths.append(path)
            part += 1
        }
    }
    write("interface: ipvs0\nserviceFiles: [services.d/*.yaml]\n", to: directory + "/config.yaml")
    // The text made for the files is freed: its pages go back, or the load would reuse them
    // unseen by the resident set.
    malloc_trim(0)
    let heapBefore = heapInUse()
    let before = residentBytes()
    resetPeakResident()
    let session: ConfigSession
    do { session = try ConfigSession(loading: directory + "/config.yaml") } catch { fatalError("\(error)") }
    let peak = peakResidentBytes() - before
    let kept = heapInUse() - heapBefore
    precondition(session.state.services.count == table.services, "the service files must hold every service")
    for path in paths { unlink(path) }
    unlink(directory + "/config.yaml")
    rmdir(directory + "/services.d")
    rmdir(directory)
    print(
        "{\"services\": \(table.services), \"realServers\": \(table.realServers), "
            + "\"configBytesPerRealServer\": \(Double(kept) / realServers), "
            + "\"configParsePeakResidentBytesPerRealServer\": \(Double(peak) / realServers)}")
    withExtendedLifetime(session) {}
}
