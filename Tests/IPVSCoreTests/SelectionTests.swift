import IPVSCore
import Testing

/// Endpoint selection, policy by policy (KEP-2086, KEP-1669), table by table.
struct SelectionTests {
    static let vip = IPAddress("198.51.100.10")!
    static let external = IPAddress("203.0.113.10")!

    static func endpoint(_ last: UInt8, node: String?, ready: Bool = true, serving: Bool? = nil, terminating: Bool = false) -> EndpointSpec
    {
        EndpointSpec(address: .v4(IPv4Address(192, 0, 2, last)), node: node, ready: ready, serving: serving, terminating: terminating)
    }

    static func spec(
        internal internalPolicy: TrafficPolicy = .cluster, external externalPolicy: TrafficPolicy = .cluster, endpoints: [EndpointSpec]
    ) -> DesiredState {
        DesiredState(services: [
            ServiceSpec(
                name: "default/web", clusterIPs: [vip], externalIPs: [Self.external],
                ports: [ServicePort(name: "http", port: 80, targetPort: 8080)],
                internalTrafficPolicy: internalPolicy, externalTrafficPolicy: externalPolicy, endpoints: endpoints)
        ])
    }

    static func realServers(_ state: DesiredKernelState, _ address: IPAddress) -> [UInt8] {
        state.virtualServices.first { $0.service.key == .address(address, port: 80, protocol: .tcp) }!
            .realServers.map { $0.address.bytes[3] }
    }

    static func outcome(_ state: DesiredKernelState, _ address: IPAddress) -> SelectionOutcome? {
        state.virtualServices.first { $0.service.key == .address(address, port: 80, protocol: .tcp) }?.outcome
    }

    static let mixed = [endpoint(1, node: "a"), endpoint(2, node: "a"), endpoint(3, node: "b"), endpoint(4, node: "c")]

    /// (policy, node, expected real servers by last octet, expected outcome)
    static let table: [(TrafficPolicy, String, [UInt8], SelectionOutcome)] = [
        (.cluster, "a", [1, 2, 3, 4], .served),
        (.cluster, "d", [1, 2, 3, 4], .served),
        (.local, "a", [1, 2], .served),
        (.local, "b", [3], .served),
        (.local, "d", [], .blackholed),
        (.preferLocal, "a", [1, 2], .served),
        (.preferLocal, "d", [1, 2, 3, 4], .fallback),
    ]

    @Test("each policy on each node", arguments: 0..<7)
    func policies(row: Int) {
        let (policy, node, expected, outcome) = Self.table[row]
        let state = EndpointSelection.select(Self.spec(internal: policy, external: policy, endpoints: Self.mixed), node: node)
        #expect(Self.realServers(state, Self.vip) == expected)
        #expect(Self.outcome(state, Self.vip) == outcome)
        #expect(Self.realServers(state, Self.external) == expected)
    }

    @Test("internal and external policies are independent")
    func independentPolicies() {
        let state = EndpointSelection.select(Self.spec(internal: .local, external: .cluster, endpoints: Self.mixed), node: "b")
        #expect(Self.realServers(state, Self.vip) == [3])
        #expect(Self.realServers(state, Self.external) == [1, 2, 3, 4])
        let reversed = EndpointSelection.select(Self.spec(internal: .cluster, external: .local, endpoints: Self.mixed), node: "d")
        #expect(Self.outcome(reversed, Self.vip) == .served)
        #expect(Self.outcome(reversed, Self.external) == .blackholed)
        #expect(reversed.count(.blackholed, scope: .external) == 1)
        #expect(reversed.count(.blackholed, scope: .internal) == 0)
    }

    @Test("serving-but-terminating endpoints only when no ready one is left")
    func terminating() {
        let endpoints = [
            Self.endpoint(1, node: "a", ready: false, serving: true, terminating: true),
            Self.endpoint(2, node: "b"),
            Self.endpoint(3, node: "a", ready: false, serving: false, terminating: true),
        ]
        let cluster = EndpointSelection.select(Self.spec(endpoints: endpoints), node: "a")
        #expect(Self.realServers(cluster, Self.vip) == [2])
        let local = EndpointSelection.select(Self.spec(internal: .local, endpoints: endpoints), node: "a")
        #expect(Self.realServers(local, Self.vip) == [1])
        #expect(Self.outcome(local, Self.vip) == .served)
    }

    @Test("not-ready endpoints are never used; a Local node whose only endpoint is not ready is blackholed")
    func notReady() {
        let endpoints = [Self.endpoint(1, node: "a", ready: false), Self.endpoint(2, node: "b")]
        let local = EndpointSelection.select(Self.spec(internal: .local, endpoints: endpoints), node: "a")
        #expect(Self.realServers(local, Self.vip) == [])
        #expect(Self.outcome(local, Self.vip) == .blackholed)
    }

    @Test("no endpoints at all")
    func empty() {
        let state = EndpointSelection.select(Self.spec(internal: .preferLocal, endpoints: []), node: "a")
        #expect(Self.outcome(state, Self.vip) == .noEndpoints)
        #expect(Self.outcome(state, Self.external) == .noEndpoints)
    }

    @Test("one virtual service per address, port and protocol; node ports on this node's addresses; addresses to bind")
    func virtualServices() {
        var state = Self.spec(endpoints: Self.mixed)
        state.services[0].ports = [
            ServicePort(name: "http", port: 80, targetPort: 8080, nodePort: 30080),
            ServicePort(name: "dns", port: 53, targetPort: 5353, protocol: .udp),
        ]
        state.nodeAddresses = ["a": [IPAddress("192.0.2.101")!], "b": [IPAddress("192.0.2.102")!]]
        let selected = EndpointSelection.select(state, node: "a")
        #expect(
            selected.virtualServices.map(\.service.key.description) == [
                "TCP 192.0.2.101:30080", "UDP 198.51.100.10:53", "TCP 198.51.100.10:80",
                "UDP 203.0.113.10:53", "TCP 203.0.113.10:80",
            ])
        #expect(selected.addresses == [Self.vip, Self.external])
        let dns = selected.virtualServices.first { $0.service.key.description == "UDP 198.51.100.10:53" }
        #expect(dns?.realServers.allSatisfy { $0.port == 5353 } == true)
        let nodePort = selected.virtualServices.first { $0.service.key.description == "TCP 192.0.2.101:30080" }
        #expect(nodePort?.origin.scope == .external)
    }

    @Test("endpoints of the other family are left out unless tunnelled")
    func families() {
        var state = Self.spec(endpoints: Self.mixed + [EndpointSpec(address: IPAddress("2001:db8::7")!, node: "a")])
        state.services[0].clusterIPs.append(IPAddress("2001:db8::10")!)
        var selected = EndpointSelection.select(state, node: "a")
        let v6 = selected.virtualServices.first { $0.service.key == .address(IPAddress("2001:db8::10")!, port: 80, protocol: .tcp) }
        #expect(v6?.realServers.map(\.address.description) == ["2001:db8::7"])
        #expect(Self.realServers(selected, Self.vip) == [1, 2, 3, 4])
        state.services[0].forwarding = .tunnel(.ipip)
        selected = EndpointSelection.select(state, node: "a")
        #expect(selected.virtualServices.first { $0.service.key == .address(Self.vip, port: 80, protocol: .tcp) }?.realServers.count == 5)
    }

    /// Validation refuses an endpoint twice; should one reach selection (two sources of one
    /// address), the kernel gets one real server, the first declared, in key order.
    @Test("an endpoint listed twice makes one real server, the first declared", arguments: [false, true])
    func repeatedEndpoint(repeatFirst: Bool) {
        let first = EndpointSpec(address: .v4(IPv4Address(192, 0, 2, 9)), weight: 3)
        let second = EndpointSpec(address: .v4(IPv4Address(192, 0, 2, 9)), weight: 5)
        let others = [EndpointSpec(address: .v4(IPv4Address(192, 0, 2, 4))), EndpointSpec(address: .v4(IPv4Address(192, 0, 2, 12)))]
        let endpoints = repeatFirst ? [first] + others + [second] : others + [first, second]
        let servers = EndpointSelection.select(Self.spec(endpoints: endpoints), node: "a").virtualServices[0].realServers
        #expect(servers.map { $0.address.bytes[3] } == [4, 9, 12])
        #expect(servers.map(\.weight) == [1, 3, 1])
    }

    /// Validation refuses a virtual service declared twice; should one reach selection (two
    /// sources of one address), the kernel gets the first declaration's, the table in key order.
    @Test("a virtual service declared by two services is the first one's", arguments: [false, true])
    func repeatedVirtualService(otherFirst: Bool) {
        var state = Self.spec(endpoints: [Self.endpoint(1, node: "a")])
        var other = state.services[0]
        other.name = "default/other"
        other.clusterIPs = [IPAddress("198.51.100.1")!, Self.vip]
        other.endpoints = [Self.endpoint(2, node: "a")]
        state.services = otherFirst ? [other, state.services[0]] : [state.services[0], other]
        let selected = EndpointSelection.select(state, node: "a").virtualServices
        #expect(selected.map(\.service.key) == selected.map(\.service.key).sorted())
        #expect(selected.count == 3)
        let shared = selected.filter { $0.service.key == .address(Self.vip, port: 80, protocol: .tcp) }
        #expect(shared.map(\.origin.serviceName) == [otherFirst ? "default/other" : "default/web"])
        #expect(Self.realServers(EndpointSelection.select(state, node: "a"), Self.vip) == [otherFirst ? 2 : 1])
    }

    @Test("session affinity becomes persistence; weights and scheduler flags carry over")
    func affinity() {
        var state = Self.spec(endpoints: [EndpointSpec(address: .v4(IPv4Address(192, 0, 2, 1)), weight: 7)])
        state.services[0].sessionAffinity = SessionAffinity(timeoutSeconds: 600, prefixLength: 24)
        state.services[0].scheduler = .maglevHashing
        state.services[0].schedulerFlags = [.maglevFallback]
        let service = EndpointSelection.select(state, node: "a").virtualServices[0]
        #expect(service.service.flags == [.persistent, .maglevFallback])
        #expect(service.service.timeout == 600)
        #expect(service.service.netmask == 0xFFFF_FF00)
        #expect(service.realServers.map(\.weight) == [7])
    }
}
