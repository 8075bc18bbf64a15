import Foundation
import IPVSCore
import IPVSNetlink
import Logging
import Reconciler
import ReconcilerTestKit
import Testing

/// The executor against a kernel that fails: every command of a plan refused in turn, the
/// conversation broken after every command, dumps that repeat, skip or time out. Each must end in
/// a clear error or a retry; the foreign service is never touched, an owned service that exists is
/// never missing from the ledger, and an apply without the fault converges.
struct FaultInjectionTests {
    static let foreign = VirtualService(key: .address(IPAddress("192.0.2.99")!, port: 80, protocol: .tcp), scheduler: .leastConnection)
    static let foreignServer = RealServer(address: IPAddress("203.0.113.9")!, port: 80, weight: 2)

    static func service(_ index: Int, scheduler: Scheduler = .roundRobin, weights: [UInt32]) -> ServiceSpec {
        ServiceSpec(
            name: "default/s\(index)", clusterIPs: [.v4(IPv4Address(198, 51, 100, UInt8(10 + index)))],
            ports: [ServicePort(port: 80, targetPort: 8080)], scheduler: scheduler,
            endpoints: weights.enumerated().map {
                EndpointSpec(address: .v4(IPv4Address(192, 0, 2, UInt8(1 + $0.offset))), node: "a", weight: $0.element)
            })
    }

    /// Hundreds of failures are reported on purpose; their warnings would bury the test output.
    static let quiet: Logger = {
        var logger = Logger(label: "test")
        logger.logLevel = .critical
        return logger
    }()

    /// Where the table starts (applied without faults) and what is then desired.
    struct Scenario: CustomStringConvertible {
        var name: String
        var before: DesiredState?
        var after: DesiredState
        var description: String { name }
    }

    static let scenarios = [
        Scenario(name: "from nothing", before: nil, after: DesiredState(services: (1...3).map { service($0, weights: [1, 1]) })),
        Scenario(
            name: "a mixed change",
            before: DesiredState(services: (1...3).map { service($0, weights: [1, 1]) }),
            after: DesiredState(services: [
                service(2, scheduler: .weightedRoundRobin, weights: [3]),  // update, a weight, a real server gone
                service(3, weights: [1, 1]),  // unchanged
                service(4, weights: [1, 1, 1]),  // new
            ])),  // s1 deleted
    ]

    enum Outcome: Equatable {
        case clean
        case reported(Int)
        case failed(Reconciler.Failure.Code)
    }

    struct Run {
        var table: FaultyIPVSTable
        var reconciler: Reconciler
        var store: LedgerStore
        var foreignBefore: ObservedTableEntry?
    }

    /// A fresh kernel holding the foreign service, with `scenario.before` applied cleanly.
    static func prepare(_ scenario: Scenario, in directory: String) throws -> Run {
        let table = FaultyIPVSTable()
        _ = try table.kernel.apply([.newService(foreign), .newRealServer(foreignServer, service: foreign.key)])
        let store = LedgerStore(directory: directory)
        let reconciler = Reconciler(table: table, addresses: nil, ledgerStore: store, logger: FaultInjectionTests.quiet)
        if let before = scenario.before {
            let report = try reconciler.apply(try reconciler.plan(before, options: ReconcilerTests.options), interface: "ipvs0")
            #expect(report.failures.isEmpty)
        }
        return Run(
            table: table, reconciler: reconciler, store: store,
            foreignBefore: table.kernel.snapshot.first { $0.virtualService.service == foreign })
    }

    static func attempt(_ run: Run, _ state: DesiredState) -> Outcome {
        do throws(Reconciler.Failure) {
            let report = try run.reconciler.apply(try run.reconciler.plan(state, options: ReconcilerTests.options), interface: "ipvs0")
            return report.failures.isEmpty ? .clean : .reported(report.failures.count)
        } catch {
            #expect(!error.description.isEmpty)
            return .failed(error.code)
        }
    }

    /// The table in an order that does not depend on the order commands were sent in.
    static func normalized(_ entries: [ObservedTableEntry]) -> [ObservedTableEntry] {
        entries.map {
            var entry = $0
            entry.realServers.sort { $0.server.key < $1.server.key }
            return entry
        }.sorted { $0.virtualService.service.key < $1.virtualService.service.key }
    }

    /// What the table is after the scenario with no fault.
    static func converged(_ scenario: Scenario) throws -> (table: [ObservedTableEntry], commands: Int) {
        try withDirectory { directory in
            let run = try prepare(scenario, in: directory)
            let before = run.table.kernel.commandCount
            #expect(attempt(run, scenario.after) == .clean)
            return (normalized(run.table.kernel.snapshot), run.table.kernel.commandCount - before)
        }
    }

    static func withDirectory<T>(_ body: (String) throws -> T) throws -> T {
        let directory = NSTemporaryDirectory() + "ipvsctl-faults-\(UInt32.random(in: 0...UInt32.max))"
        defer { try? FileManager.default.removeItem(atPath: directory) }
        return try body(directory)
    }

    /// Applies `scenario.after` with `faults` armed, checks the invariants, then applies again
    /// without faults and checks convergence. Returns what the faulty apply ended in.
    @discardableResult
    static func check(_ scenario: Scenario, _ faults: [IPVSFault], expected: [ObservedTableEntry]) throws -> Outcome {
        try withDirectory { directory in
            let run = try prepare(scenario, in: directory)
            run.table.inject(faults)
            let outcome = attempt(run, scenario.after)
            let context = Comment(rawValue: "\(scenario), \(faults): \(outcome)")

            func invariants() throws {
                let kernel = run.table.kernel.snapshot
                #expect(kernel.first { $0.virtualService.service == foreign } == run.foreignBefore, "foreign touched; \(context)")
                let ledger = try run.store.load()
                #expect(!ledger.virtualServices.contains(foreign.key), "foreign claimed; \(context)")
                let ours = Set(kernel.map(\.virtualService.service.key)).subtracting([foreign.key])
                #expect(
                    ours.isSubset(of: ledger.virtualServices),
                    "owned service forgotten: \(ours.subtracting(ledger.virtualServices)); \(context)")
            }
            try invariants()
            run.table.inject([])
            #expect(attempt(run, scenario.after) == .clean, context)
            try invariants()
            #expect(try run.reconciler.plan(scenario.after, options: ReconcilerTests.options).plan.isEmpty, context)
            #expect(normalized(run.table.kernel.snapshot) == expected, context)
            return outcome
        }
    }

    @Test("every command of a plan refused in turn, with each errno: reported, nothing foreign touched, nothing owned forgotten, converges")
    func everyCommandRefused() throws {
        var cases = 0
        var positions = 0
        for scenario in Self.scenarios {
            let (expected, commands) = try Self.converged(scenario)
            #expect(commands >= 8, "the plan is worth testing: \(commands) commands")
            positions += commands
            for position in 0..<commands {
                for errno: Int32 in [12, 17, 3, 2, 22, 16] {  // ENOMEM EEXIST ESRCH ENOENT EINVAL EBUSY
                    let outcome = try Self.check(scenario, [.commandFails(at: position, errno: errno)], expected: expected)
                    #expect(outcome != .clean, "a refused command must be reported: \(scenario) position \(position)")
                    cases += 1
                }
            }
        }
        #expect(cases == 6 * positions && positions == 9 + 8)
    }

    @Test("the conversation broken after every command (ENOBUFS, a deadline): a kernel error, the next apply converges")
    func everyCommandBroken() throws {
        for scenario in Self.scenarios {
            let (expected, commands) = try Self.converged(scenario)
            for position in 0..<commands {
                for code in [IPVSError.Code.receiveOverrun, .timedOut] {
                    let outcome = try Self.check(scenario, [.conversationBreaks(afterCommands: position, code: code)], expected: expected)
                    #expect(outcome == .failed(.kernel), "\(scenario) position \(position) \(code)")
                }
            }
        }
    }

    @Test("two faults in one apply: a refused command then a broken conversation, at every pair of positions")
    func refusedThenBroken() throws {
        let scenario = Self.scenarios[1]
        let (expected, commands) = try Self.converged(scenario)
        for refused in 0..<commands {
            for broken in refused + 1..<commands + 1 {
                try Self.check(
                    scenario, [.commandFails(at: refused, errno: 12), .conversationBreaks(afterCommands: broken, code: .receiveOverrun)],
                    expected: expected)
            }
        }
    }

    @Test("a dump that repeats or skips any entry is taken again: the plan is right first time, nothing owned forgotten")
    func dumpsRepeatOrSkip() throws {
        for scenario in Self.scenarios {
            let (expected, _) = try Self.converged(scenario)
            let entries = try Self.withDirectory { try Self.prepare(scenario, in: $0).table.kernel.snapshot.count }
            for entry in 0..<entries {
                for fault in [IPVSFault.dumpRepeats(entry: entry), .dumpSkips(entry: entry)] {
                    let outcome = try Self.check(scenario, [fault], expected: expected)
                    #expect(outcome == .clean, "\(scenario) \(fault)")
                }
            }
        }
    }

    @Test("a deadline passing mid-dump: a kernel error before any write")
    func dumpTimesOut() throws {
        for scenario in Self.scenarios {
            let (expected, _) = try Self.converged(scenario)
            #expect(try Self.check(scenario, [.dumpTimesOut], expected: expected) == .failed(.kernel))
        }
    }

    @Test("a table that keeps changing while it is read is refused with a clear error; nothing is sent")
    func dumpKeepsRepeating() throws {
        try Self.withDirectory { directory in
            let run = try Self.prepare(Self.scenarios[1], in: directory)
            run.table.inject(Array(repeating: .dumpRepeats(entry: 0), count: 10))
            let commands = run.table.kernel.commandCount
            let failure = #expect(throws: Reconciler.Failure.self) {
                try run.reconciler.plan(Self.scenarios[1].after, options: ReconcilerTests.options)
            }
            #expect(failure?.code == .kernel)
            #expect(failure?.description.contains("kept changing") == true, "\(String(describing: failure))")
            #expect(run.table.kernel.commandCount == commands)
        }
    }

    @Test("a dump that skips an owned service the config still wants, twice: its create meets EEXIST, and it stays owned")
    func skippedOwnedStaysOwned() throws {
        let scenario = Self.scenarios[1]
        let (expected, _) = try Self.converged(scenario)
        // s3 is kept unchanged by the plan; both dumps miss it, so the planner creates it again.
        let kept = VirtualServiceKey.address(IPAddress("198.51.100.13")!, port: 80, protocol: .tcp)
        let index = try Self.withDirectory { directory in
            try #require(Self.prepare(scenario, in: directory).table.kernel.snapshot.firstIndex { $0.virtualService.service.key == kept })
        }
        let outcome = try Self.check(scenario, [.dumpSkips(entry: index), .dumpSkips(entry: index)], expected: expected)
        #expect(outcome == .reported(3), "the create (EEXIST) and its two real servers, not sent")
    }
}
