import Conntrack
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
        DesiredState(services: [
            ServiceSpec(
                name: "default/web", clusterIPs: [IPAddress("198.51.100.10")!],
                ports: [ServicePort(port: 80, targetPort: 8080)],
                endpoints: (0..<endpoints).map { EndpointSpec(address: .v4(IPv4Address(192, 0, 2, UInt8(1 + $0))), node: "a") },
                drainSeconds: drain)
        ])
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
            table.insertForeign(
                VirtualService(key: .address(IPAddress("198.51.100.10")!, port: 80, protocol: .tcp), scheduler: .leastConnection))
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
            let report = try reconciler.apply(
                try reconciler.plan(Self.state(endpoints: 1, drain: 60), options: Self.options), interface: "ipvs0")
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
            virtualServices: [
                .address(IPAddress("198.51.100.1")!, port: 53, protocol: .udp), v6,
                .firewallMark(7, family: .inet), .firewallMark(8, family: .inet6),
            ],
            addresses: [IPAddress("198.51.100.1")!, IPAddress("2001:db8::1")!],
            drains: [
                DrainKey(service: v6, realServer: RealServerKey(address: IPAddress("2001:db8::7")!, port: 8443)):
                    Drain(deadline: 1_700_000_000, previousWeight: 3)
            ])
        try store.save(ledger)
        #expect(try store.load() == ledger)
        #expect(!FileManager.default.fileExists(atPath: store.path + ".tmp-\(getpid())"))
    }

    // MARK: - The packet path

    static func external(
        policy: TrafficPolicy = .cluster, forwarding: ForwardingMethod = .masquerade,
        kernel: KernelSettings = KernelSettings()
    ) -> DesiredState {
        DesiredState(
            services: [
                ServiceSpec(
                    name: "default/web", externalIPs: [IPAddress("203.0.113.10")!], ports: [ServicePort(port: 80, targetPort: 8080)],
                    forwarding: forwarding, externalTrafficPolicy: policy,
                    endpoints: [
                        EndpointSpec(address: IPAddress("192.0.2.1")!, node: "a"),
                        EndpointSpec(address: IPAddress("192.0.2.2")!, node: "b"),
                    ])
            ],
            kernel: kernel)
    }

    static func withPacketFilter(
        _ filter: InMemoryPacketFilter,
        _ body: (Reconciler, InMemoryIPVSTable, LedgerStore) throws -> Void
    ) throws {
        let directory = NSTemporaryDirectory() + "ipvsctl-reconciler-\(UInt32.random(in: 0...UInt32.max))"
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let table = InMemoryIPVSTable()
        let store = LedgerStore(directory: directory)
        try body(
            Reconciler(table: table, addresses: nil, packetFilter: filter, ledgerStore: store, logger: Logger(label: "test")), table, store)
    }

    @Test("external Cluster: the table is made with the IPVS changes, owned in the ledger, and a second run changes nothing")
    func packetFilterMade() throws {
        let filter = InMemoryPacketFilter()
        try Self.withPacketFilter(filter) { reconciler, table, store in
            let planning = try reconciler.plan(Self.external(), options: Self.options)
            #expect(planning.plan.changes.first == .createPacketFilter)
            #expect(planning.desired.kernel.conntrack == true, "masquerading needs IPVS conntrack")
            let report = try reconciler.apply(planning, interface: "ipvs0")
            #expect(report.failures.isEmpty && report.packetFilterChanges == 3, "the table, the external address, the hairpin of 192.0.2.1")
            #expect(filter.table?.elements[PacketFilterSetID(.externalCluster, .inet)] == [.service(IPAddress("203.0.113.10")!, .tcp, 80)])
            #expect(try store.load().packetFilter)
            #expect(try reconciler.plan(Self.external(), options: Self.options).plan.isEmpty)
            #expect(filter.transactionCount == 1 && table.commandCount == 3)
        }
    }

    @Test("a refused nftables transaction: nothing sent to IPVS, the ledger as it was, and the error says so")
    func packetFilterRefused() throws {
        let filter = InMemoryPacketFilter()
        try Self.withPacketFilter(filter) { reconciler, table, store in
            filter.refuseNextTransaction()
            let planning = try reconciler.plan(Self.external(), options: Self.options)
            let failure = #expect(throws: Reconciler.Failure.self) { try reconciler.apply(planning, interface: "ipvs0") }
            #expect(failure?.message.contains("nothing was changed") == true)
            #expect(table.commandCount == 0)
            #expect(filter.table == nil)
            #expect(try store.load() == Ledger())
            // The next apply converges.
            #expect(try reconciler.apply(try reconciler.plan(Self.external(), options: Self.options), interface: "ipvs0").failures.isEmpty)
            #expect(table.commandCount == 3 && filter.table != nil)
        }
    }

    @Test("a table of our name the ledger does not own is refused, unless adopted; conntrack declared off while masquerading is refused")
    func packetFilterGuards() throws {
        let filter = InMemoryPacketFilter(table: ObservedPacketFilter())
        try Self.withPacketFilter(filter) { reconciler, table, _ in
            let planning = try reconciler.plan(Self.external(), options: Self.options)
            #expect(planning.violations.contains(.foreignPacketFilter(table: "ipvsctl_swift")))
            #expect(throws: Reconciler.Failure.self) { try reconciler.apply(planning, interface: "ipvs0") }
            #expect(table.commandCount == 0)
            var adopting = Self.options
            adopting.adopt = true
            #expect(try reconciler.plan(Self.external(), options: adopting).violations.isEmpty)
        }
        try Self.withPacketFilter(InMemoryPacketFilter()) { reconciler, _, _ in
            let planning = try reconciler.plan(Self.external(kernel: KernelSettings(conntrack: false)), options: Self.options)
            #expect(planning.violations.contains { if case .kernelSettingConflict = $0 { true } else { false } })
        }
    }

    @Test("external Local masquerades nothing but the hairpin; with nothing to masquerade the table we made is deleted")
    func packetFilterNotNeeded() throws {
        let filter = InMemoryPacketFilter()
        try Self.withPacketFilter(filter) { reconciler, _, store in
            _ = try reconciler.apply(try reconciler.plan(Self.external(), options: Self.options), interface: "ipvs0")
            let local = try reconciler.plan(Self.external(policy: .local), options: Self.options)
            #expect(
                local.plan.changes.filter(\.isPacketFilterChange)
                    == [
                        .deleteFilterElement(
                            .service(IPAddress("203.0.113.10")!, .tcp, 80), set: PacketFilterSetID(.externalCluster, .inet))
                    ])
            _ = try reconciler.apply(local, interface: "ipvs0")
            #expect(filter.table?.elements == [PacketFilterSetID(.hairpin, .inet): [.addressPair(IPAddress("192.0.2.1")!)]])

            let routed = try reconciler.plan(Self.external(policy: .local, forwarding: .directRoute), options: Self.options)
            #expect(routed.plan.changes.filter(\.isPacketFilterChange) == [.deletePacketFilter])
            _ = try reconciler.apply(routed, interface: "ipvs0")
            #expect(filter.table == nil)
            #expect(try store.load().packetFilter == false)
        }
    }

    @Test("a UDP real server that leaves has its flows' conntrack entries deleted, that backend's only; TCP and kept servers none")
    func udpConntrackOfRemovedBackends() throws {
        let conntrack = RecordingConntrack()
        let directory = NSTemporaryDirectory() + "ipvsctl-reconciler-\(UInt32.random(in: 0...UInt32.max))"
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let reconciler = Reconciler(
            table: InMemoryIPVSTable(), addresses: nil, conntrack: conntrack,
            ledgerStore: LedgerStore(directory: directory), logger: Logger(label: "test"))
        func state(_ endpoints: Int) -> DesiredState {
            DesiredState(
                services: ["tcp", "udp"].map { kind in
                    ServiceSpec(
                        name: "kube-system/dns-\(kind)", clusterIPs: [IPAddress("198.51.100.53")!],
                        ports: [ServicePort(port: 53, targetPort: 5353, protocol: kind == "udp" ? .udp : .tcp)],
                        endpoints: (0..<endpoints).map { EndpointSpec(address: .v4(IPv4Address(192, 0, 2, UInt8(1 + $0))), node: "a") },
                        drainSeconds: 30)
                })
        }
        _ = try reconciler.apply(try reconciler.plan(state(3), options: Self.options), interface: "ipvs0")
        #expect(conntrack.calls.isEmpty, "nothing left")
        let report = try reconciler.apply(try reconciler.plan(state(2), options: Self.options), interface: "ipvs0")
        #expect(
            conntrack.calls == [
                [
                    ConntrackFlowFilter(
                        protocol: .udp, virtualAddress: IPAddress("198.51.100.53")!, virtualPort: 53,
                        backendAddress: IPAddress("192.0.2.3")!, backendPort: 5353)
                ]
            ])
        #expect(report.conntrackEntriesDeleted == 1)
        #expect(
            report.udpFlowsRemoved == conntrack.calls.first, "the report names them too, for a caller that deletes them itself (the agent)")
    }
}

/// Records what the reconciler asks to delete; answers one entry per filter.
final class RecordingConntrack: ConntrackTable, @unchecked Sendable {
    private let lock = NSLock()
    private var recorded: [[ConntrackFlowFilter]] = []
    var calls: [[ConntrackFlowFilter]] { lock.withLock { recorded } }

    func deleteFlows(matching filters: [ConntrackFlowFilter]) throws(ConntrackError) -> Int {
        lock.withLock { recorded.append(filters) }
        return filters.count
    }
}
