import IPVSCore
import Testing

/// Health verdicts meet traffic policies: failed endpoints leave, unknown ones are held, panic
/// keeps everything, and a `Local` service whose only local endpoint failed is blackholed.
struct HealthSelectionTests {
    static let vip = IPAddress("198.51.100.20")!
    static let check = HealthCheck(probe: .tcp, rise: 2, fall: 3)

    static func endpoint(_ last: UInt8, node: String) -> EndpointSpec {
        EndpointSpec(address: .v4(IPv4Address(192, 0, 2, last)), node: node, healthCheck: check)
    }

    static func target(_ last: UInt8) -> HealthTarget {
        HealthTarget(address: .v4(IPv4Address(192, 0, 2, last)), port: 8080, check: check)
    }

    static func state(_ policy: TrafficPolicy, panic: Double? = nil, endpoints: [EndpointSpec]) -> DesiredState {
        DesiredState(services: [
            ServiceSpec(
                name: "default/collector", clusterIPs: [vip], ports: [ServicePort(port: 80, targetPort: 8080)],
                internalTrafficPolicy: policy, endpoints: endpoints, healthCheck: check, panicThreshold: panic)
        ])
    }

    static let fleet = [endpoint(1, node: "a"), endpoint(2, node: "b"), endpoint(3, node: "c")]

    static func view(_ verdicts: [UInt8: HealthVerdict]) -> HealthView {
        HealthView(verdicts: Dictionary(uniqueKeysWithValues: verdicts.map { (target($0.key), $0.value) }))
    }

    static func only(_ state: DesiredKernelState) -> DesiredVirtualService { state.virtualServices[0] }
    static func octets(_ keys: some Collection<RealServerKey>) -> [UInt8] { keys.map { $0.address.bytes[3] }.sorted() }

    @Test("a failed endpoint leaves at once; an unknown one is held; healthy ones serve")
    func verdictsSortEndpoints() {
        let selected = Self.only(
            EndpointSelection.select(
                Self.state(.cluster, endpoints: Self.fleet), node: "a",
                health: Self.view([1: .healthy, 2: .unhealthy])))
        #expect(selected.realServers.map { $0.address.bytes[3] } == [1])
        #expect(Self.octets(selected.failedRealServers) == [2])
        #expect(Self.octets(selected.heldRealServers) == [3])
        #expect(selected.outcome == .served)
        #expect(!selected.panicking)
    }

    @Test("Local with its only local endpoint failed is blackholed, never sent to another node")
    func localBlackholed() {
        let selected = Self.only(
            EndpointSelection.select(
                Self.state(.local, endpoints: Self.fleet), node: "a",
                health: Self.view([1: .unhealthy, 2: .healthy, 3: .healthy])))
        #expect(selected.realServers.isEmpty)
        #expect(selected.outcome == .blackholed)
    }

    @Test("PreferLocal with its local endpoint failed falls back to the healthy rest")
    func preferLocalFallback() {
        let selected = Self.only(
            EndpointSelection.select(
                Self.state(.preferLocal, endpoints: Self.fleet), node: "a",
                health: Self.view([1: .unhealthy, 2: .healthy, 3: .unhealthy])))
        #expect(selected.realServers.map { $0.address.bytes[3] } == [2])
        #expect(selected.outcome == .fallback)
        #expect(Self.octets(selected.failedRealServers) == [1, 3])
    }

    @Test(
        "more failures than the panic threshold keep every endpoint",
        arguments: [
            (0.5, [HealthVerdict.unhealthy, .unhealthy, .healthy], true),
            (0.7, [HealthVerdict.unhealthy, .unhealthy, .healthy], false),
            (0.5, [HealthVerdict.unhealthy, .healthy, .healthy], false),
        ])
    func panic(threshold: Double, verdicts: [HealthVerdict], panics: Bool) {
        let view = Self.view([1: verdicts[0], 2: verdicts[1], 3: verdicts[2]])
        let selected = Self.only(
            EndpointSelection.select(Self.state(.cluster, panic: threshold, endpoints: Self.fleet), node: "a", health: view))
        #expect(selected.panicking == panics)
        #expect(selected.realServers.count == (panics ? 3 : verdicts.count { $0 == .healthy }))
        #expect(selected.failedRealServers.isEmpty == panics)
    }

    @Test("without a health view (the CLI), declared conditions decide alone")
    func noView() {
        let selected = Self.only(EndpointSelection.select(Self.state(.cluster, endpoints: Self.fleet), node: "a"))
        #expect(selected.realServers.count == 3)
        #expect(selected.heldRealServers.isEmpty && selected.failedRealServers.isEmpty)
    }

    @Test("targets: one per distinct check; Local-only services probe only this node's endpoints")
    func targets() {
        var state = Self.state(.cluster, endpoints: Self.fleet)
        // The same endpoints behind a second service: probed once.
        state.services.append(
            ServiceSpec(
                name: "default/collector-udp", clusterIPs: [IPAddress("198.51.100.21")!],
                ports: [ServicePort(port: 80, targetPort: 8080)], endpoints: Self.fleet, healthCheck: Self.check))
        #expect(HealthTargets.targets(of: state, node: "a") == Set([1, 2, 3].map(Self.target)))
        #expect(HealthTargets.targets(of: Self.state(.local, endpoints: Self.fleet), node: "b") == [Self.target(2)])
    }

    @Test("the planner deletes a failed real server at once, even mid-drain, and leaves a held one alone")
    func planner() {
        let key = VirtualServiceKey.address(Self.vip, port: 80, protocol: .tcp)
        let reals = [1, 2, 3].map { RealServer(address: .v4(IPv4Address(192, 0, 2, $0)), port: 8080) }
        var want = DesiredVirtualService(
            service: VirtualService(key: key), realServers: [reals[0]],
            origin: SelectionOrigin(serviceName: "default/collector", portName: nil, scope: .internal, policy: .cluster),
            outcome: .served, drainSeconds: 600)
        want.failedRealServers = [reals[1].key]
        want.heldRealServers = [reals[2].key]
        let busy = reals.map { ObservedRealServer(server: $0, activeConnections: 5) }
        let ledger = Ledger(
            virtualServices: [key], drains: [DrainKey(service: key, realServer: reals[1].key): Drain(deadline: 9999, previousWeight: 1)])
        let plan = Planner.plan(
            desired: DesiredKernelState(virtualServices: [want]),
            observed: [ObservedTableEntry(virtualService: ObservedVirtualService(service: VirtualService(key: key)), realServers: busy)],
            observedAddresses: [], ledger: ledger, options: .init(now: 1000))
        #expect(plan.changes == [.deleteRealServer(busy[1], service: key)])
        #expect(plan.ledger.drains.isEmpty)
    }
}
