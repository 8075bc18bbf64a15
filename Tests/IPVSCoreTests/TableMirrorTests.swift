import IPVSCore
import PropertyBased
import Testing

/// The mirror a scoped pass plans against: a read plus the changes recorded since must equal a
/// read after those changes.
struct TableMirrorTests {
    /// Real servers in a fixed order: the kernel lists them newest first, the simulation appends.
    static func normalized(_ mirror: TableMirror) -> [VirtualServiceKey: [ObservedRealServer]] {
        mirror.table.mapValues { $0.realServers.sorted { $0.server.key < $1.server.key } }
    }

    @Test func keepsTheConnectionCountsThatDecideDrainsNotTrafficCounters() throws {
        let service = VirtualService(key: .address(try #require(IPAddress("198.51.100.10")), port: 80, protocol: .tcp))
        var statistics = Statistics()
        statistics.incomingBytes = 4096
        let server = ObservedRealServer(
            server: RealServer(address: try #require(IPAddress("192.0.2.1")), port: 8080), activeConnections: 3,
            inactiveConnections: 2, persistentConnections: 1, statistics: statistics)
        let mirror = TableMirror([
            ObservedTableEntry(virtualService: ObservedVirtualService(service: service, statistics: statistics), realServers: [server])
        ])
        let kept = try #require(mirror.entries(for: [service.key])[service.key]?.realServers.first)
        #expect(kept.server == server.server)
        #expect([kept.activeConnections, kept.inactiveConnections, kept.persistentConnections] == [3, 2, 0])
        #expect(kept.statistics == Statistics())
    }

    @Test("connection counts past 65,535 are kept as 65,535: a busy real server stays busy, an idle one idle")
    func countsSaturate() throws {
        let service = VirtualService(key: .address(try #require(IPAddress("198.51.100.10")), port: 80, protocol: .tcp))
        let counts: [(UInt32, UInt32)] = [(0, 0), (70_000, 0), (0, 4_000_000_000), (65_535, 65_536), (12, 3)]
        let servers = try counts.enumerated().map { index, count in
            ObservedRealServer(
                server: RealServer(address: try #require(IPAddress("192.0.2.\(index + 1)")), port: 8080),
                activeConnections: count.0, inactiveConnections: count.1)
        }
        let mirror = TableMirror([ObservedTableEntry(virtualService: ObservedVirtualService(service: service), realServers: servers)])
        let kept = try #require(mirror.entries(for: [service.key])[service.key]?.realServers).sorted { $0.server.key < $1.server.key }
        #expect(kept.map(\.activeConnections) == [0, 65_535, 0, 65_535, 12])
        #expect(kept.map(\.inactiveConnections) == [0, 0, 65_535, 65_535, 3])
    }

    @Test("a read plus the recorded plan equals a read after the plan")
    func recordingMatchesTheKernel() async {
        await propertyCheck(
            count: 300, input: PlannerTests.desiredEntries.array(of: 0...6), PlannerTests.observedEntries.array(of: 0...6), Gen.bool
        ) { desiredList, observedList, ownAll in
            let desired = Array(Dictionary(desiredList.map { ($0.service.key, $0) }, uniquingKeysWith: { a, _ in a }).values)
            let observed = Array(
                Dictionary(observedList.map { ($0.virtualService.service.key, $0) }, uniquingKeysWith: { a, _ in a }).values)
            let owned = Set(observed.enumerated().filter { ownAll || $0.offset % 2 == 0 }.map(\.element.virtualService.service.key))
            let plan = Planner.plan(
                desired: DesiredKernelState(virtualServices: desired.sorted { $0.service.key < $1.service.key }), observed: observed,
                observedAddresses: [], ledger: Ledger(virtualServices: owned), options: .init(adopt: false, now: 0))
            var mirror = TableMirror(observed)
            mirror.record(plan.changes)
            let (after, _) = KernelSimulation.apply(plan, to: observed, addresses: [])
            #expect(Self.normalized(mirror) == Self.normalized(TableMirror(after)))
            #expect(mirror.table.mapValues(\.virtualService.service) == TableMirror(after).table.mapValues(\.virtualService.service))
        }
    }

    @Test("planServices plans the named services as the full plan does, and keeps what the ledger says of the rest")
    func scopedPlanMatchesTheFullPlan() async {
        await propertyCheck(
            count: 300, input: PlannerTests.desiredEntries.array(of: 1...6), PlannerTests.observedEntries.array(of: 0...6), Gen.bool
        ) { desiredList, observedList, ownAll in
            let desired = Dictionary(desiredList.map { ($0.service.key, $0) }, uniquingKeysWith: { a, _ in a }).values
                .sorted { $0.service.key < $1.service.key }
            let observed = Array(
                Dictionary(observedList.map { ($0.virtualService.service.key, $0) }, uniquingKeysWith: { a, _ in a }).values)
            let owned = Set(observed.enumerated().filter { ownAll || $0.offset % 2 == 0 }.map(\.element.virtualService.service.key))
            let ledger = Ledger(virtualServices: owned)
            let full = Planner.plan(
                desired: DesiredKernelState(virtualServices: desired), observed: observed, observedAddresses: [], ledger: ledger,
                options: .init(adopt: false, now: 0))
            // Every other desired service is in scope.
            let scope = desired.enumerated().filter { $0.offset % 2 == 0 }.map(\.element)
            let keys = Set(scope.map(\.service.key))
            let scoped = Planner.planServices(
                scope, observed: TableMirror(observed).entries(for: keys), ledger: ledger, options: .init(adopt: false, now: 0))
            #expect(scoped.changes == full.changes.filter { $0.serviceKey.map(keys.contains) == true })
            #expect(scoped.collisions == full.collisions.filter { keys.contains($0.service.key) })
            #expect(scoped.ledger.virtualServices.subtracting(keys) == ledger.virtualServices.subtracting(keys))
            #expect(scoped.ledger.virtualServices.intersection(keys) == full.ledger.virtualServices.intersection(keys))
        }
    }
}
