import Foundation
import IPVSCore
import Logging
import Reconciler
import ReconcilerTestKit
import Testing

/// The executor against an in-memory table: ordering, ledger write-ahead, failures, zero writes
/// on a second run.
struct ReconcilerTests {
    static func state(endpoints: Int, drain: UInt32? = nil) -> DesiredState {
        DesiredState(services: [ServiceSpec(
            name: "default/web", clusterIPs: [IPAddress("198.51.100.10")!],
            ports: [ServicePort(port: 80, targetPort: 8080)],
            endpoints: (0..<endpoints).map { EndpointSpec(address: .v4(IPv4Address(192, 0, 2, UInt8(1 + $0))), node: "a") },
            drainSeconds: drain)])
    }

    static func withReconciler(_ body: (Reconciler, InMemoryIPVSTable, LedgerStore) throws -> Void) throws {
        let directory = NSTemporaryDirectory() + "ipvsctl-reconciler-\(UInt32.random(in: 0...UInt32.max))"
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let table = InMemoryIPVSTable()
        let store = LedgerStore(directory: directory)
        try body(Reconciler(table: table, addresses: nil, ledgerStore: store, logger: Logger(label: "test")), table, store)
    }

    static let options = Reconciler.Options(node: "a", now: 1000)

    @Test("apply then apply again: the second run plans nothing and writes nothing")
    func idempotent() throws {
        try Self.withReconciler { reconciler, table, store in
            let first = try reconciler.apply(try reconciler.plan(Self.state(endpoints: 3), options: Self.options), interface: "ipvs0")
            #expect(first.failures.isEmpty)
            #expect(first.kernelCommands == 4)
            #expect(table.snapshot.first?.realServers.count == 3)
            #expect(try store.load().virtualServices.count == 1)
            let before = table.commandCount
            let second = try reconciler.plan(Self.state(endpoints: 3), options: Self.options)
            #expect(second.plan.isEmpty)
            let report = try reconciler.apply(second, interface: "ipvs0")
            #expect(report.kernelCommands == 0)
            #expect(table.commandCount == before)
        }
    }

    @Test("a foreign service created between plan and apply is not claimed")
    func raceWithForeign() throws {
        try Self.withReconciler { reconciler, table, store in
            let planning = try reconciler.plan(Self.state(endpoints: 1), options: Self.options)
            table.insertForeign(VirtualService(key: .address(IPAddress("198.51.100.10")!, port: 80, protocol: .tcp), scheduler: .leastConnection))
            let report = try reconciler.apply(planning, interface: "ipvs0")
            #expect(report.failures.count == 2)  // EEXIST, and the real server not sent
            #expect(report.failures.first?.error.errno == 17)
            #expect(table.snapshot.first?.realServers.isEmpty == true, "nothing may be added to a foreign service")
            #expect(try store.load().virtualServices.isEmpty)
            #expect(table.snapshot.first?.virtualService.service.scheduler == .leastConnection)
        }
    }

    @Test("an apply interrupted half-way owns what it made and converges on the next apply")
    func interrupted() throws {
        try Self.withReconciler { reconciler, table, store in
            table.breakConversation(afterCommands: 2)
            #expect(throws: Reconciler.Failure.self) {
                try reconciler.apply(try reconciler.plan(Self.state(endpoints: 3), options: Self.options), interface: "ipvs0")
            }
            #expect(try store.load().virtualServices.count == 1)  // claimed before the first write
            table.breakConversation(afterCommands: nil)
            let planning = try reconciler.plan(Self.state(endpoints: 3), options: Self.options)
            #expect(planning.violations.isEmpty)
            #expect(planning.plan.changes.count == 2)  // only the two real servers still missing
            _ = try reconciler.apply(planning, interface: "ipvs0")
            #expect(try reconciler.plan(Self.state(endpoints: 3), options: Self.options).plan.isEmpty)
        }
    }

    @Test("a refused plan writes nothing, ledger included")
    func refused() throws {
        try Self.withReconciler { reconciler, table, store in
            _ = try reconciler.apply(try reconciler.plan(Self.state(endpoints: 3), options: Self.options), interface: "ipvs0")
            let ledger = try store.load()
            let before = table.commandCount
            let empty = try reconciler.plan(DesiredState(), options: Self.options)
            #expect(empty.violations == [.wouldEmptyTable(ownedServices: 1)])
            #expect(throws: Reconciler.Failure.self) { try reconciler.apply(empty, interface: "ipvs0") }
            #expect(table.commandCount == before)
            #expect(try store.load() == ledger)
        }
    }

    @Test("drains survive in the ledger across runs")
    func drainsPersist() throws {
        try Self.withReconciler { reconciler, table, store in
            _ = try reconciler.apply(try reconciler.plan(Self.state(endpoints: 2, drain: 60), options: Self.options), interface: "ipvs0")
            // The kernel's counters are not simulated: an idle server is deleted at once.
            let report = try reconciler.apply(try reconciler.plan(Self.state(endpoints: 1, drain: 60), options: Self.options), interface: "ipvs0")
            #expect(report.applied.count == 1)
            #expect(table.snapshot.first?.realServers.count == 1)
            #expect(try store.load().drains.isEmpty)
        }
    }

    @Test("the ledger file round-trips every kind of key")
    func ledgerFile() throws {
        let directory = NSTemporaryDirectory() + "ipvsctl-ledger-\(UInt32.random(in: 0...UInt32.max))"
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let store = LedgerStore(directory: directory)
        #expect(try store.load() == Ledger())
        let v6 = VirtualServiceKey.address(IPAddress("2001:db8::1")!, port: 443, protocol: .sctp)
        let ledger = Ledger(
            virtualServices: [.address(IPAddress("198.51.100.1")!, port: 53, protocol: .udp), v6,
                              .firewallMark(7, family: .inet), .firewallMark(8, family: .inet6)],
            addresses: [IPAddress("198.51.100.1")!, IPAddress("2001:db8::1")!],
            drains: [DrainKey(service: v6, realServer: RealServerKey(address: IPAddress("2001:db8::7")!, port: 8443)):
                        Drain(deadline: 1_700_000_000, previousWeight: 3)])
        try store.save(ledger)
        #expect(try store.load() == ledger)
        #expect(!FileManager.default.fileExists(atPath: store.path + ".tmp-\(getpid())"))
    }
}
