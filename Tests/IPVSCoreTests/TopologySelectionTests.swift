import IPVSCore
import Testing

/// Topology-aware selection in IPVSCore: the file source's `trafficDistribution` (hints
/// synthesised from each endpoint's node and zone, as Kubernetes' EndpointSlice controller
/// writes them), health before topology, and per-endpoint target ports.
struct TopologySelectionTests {
    static let vip = IPAddress("198.51.100.30")!

    static func endpoint(
        _ last: UInt8, node: String? = nil, zone: String? = nil, ready: Bool = true,
        hints: TopologyHints? = nil, targetPorts: [String: UInt16]? = nil,
        healthCheck: HealthCheck? = nil
    ) -> EndpointSpec {
        EndpointSpec(
            address: .v4(IPv4Address(192, 0, 2, last)), node: node, zone: zone, ready: ready,
            healthCheck: healthCheck, hints: hints, targetPorts: targetPorts)
    }

    static func state(
        _ distribution: TrafficDistribution?, policy: TrafficPolicy = .cluster, endpoints: [EndpointSpec],
        ports: [ServicePort] = [ServicePort(name: "http", port: 80, targetPort: 8080)]
    ) -> DesiredState {
        DesiredState(
            nodeZones: ["a": "z1", "b": "z1", "c": "z2"],
            services: [
                ServiceSpec(
                    name: "default/web", clusterIPs: [vip], ports: ports, internalTrafficPolicy: policy, endpoints: endpoints,
                    trafficDistribution: distribution)
            ])
    }

    static func servers(_ state: DesiredState, node: String, port: UInt16 = 80, health: HealthView? = nil) -> [String] {
        EndpointSelection.select(state, node: node, health: health).virtualServices
            .first { $0.service.key == .address(vip, port: port, protocol: .tcp) }?
            .realServers.map { "\($0.key)" } ?? []
    }

    static let spread = [endpoint(1, node: "a", zone: "z1"), endpoint(2, node: "b", zone: "z1"), endpoint(3, node: "c", zone: "z2")]

    @Test(
        "file source, trafficDistribution on each node",
        arguments: [
            (TrafficDistribution?.none, "a", ["192.0.2.1:8080", "192.0.2.2:8080", "192.0.2.3:8080"]),
            (.preferSameZone, "a", ["192.0.2.1:8080", "192.0.2.2:8080"]),
            (.preferSameZone, "c", ["192.0.2.3:8080"]),
            (.preferSameNode, "a", ["192.0.2.1:8080"]),
            (.preferSameNode, "d", ["192.0.2.1:8080", "192.0.2.2:8080", "192.0.2.3:8080"]),
        ] as [(TrafficDistribution?, String, [String])])
    func distribution(_ distribution: TrafficDistribution?, node: String, expected: [String]) {
        #expect(Self.servers(Self.state(distribution, endpoints: Self.spread), node: node) == expected)
    }

    @Test("PreferSameNode on a node without endpoints falls back to its zone's")
    func sameNodeFallsBackToZone() {
        var state = Self.state(.preferSameNode, endpoints: Self.spread)
        state.nodeZones["d"] = "z2"
        #expect(Self.servers(state, node: "d") == ["192.0.2.3:8080"])
    }

    @Test("an endpoint without a zone gets no hint, which turns zone preference off for all")
    func missingZoneDisables() {
        let endpoints = [Self.endpoint(1, node: "a", zone: "z1"), Self.endpoint(3, node: "c")]
        #expect(Self.servers(Self.state(.preferSameZone, endpoints: endpoints), node: "a") == ["192.0.2.1:8080", "192.0.2.3:8080"])
    }

    @Test("an endpoint's own hints win over synthesised ones")
    func ownHintsKept() {
        let endpoints = [
            Self.endpoint(1, node: "a", zone: "z1", hints: TopologyHints(forZones: ["z2"])),
            Self.endpoint(3, node: "c", zone: "z2"),
        ]
        #expect(Self.servers(Self.state(.preferSameZone, endpoints: endpoints), node: "c") == ["192.0.2.1:8080", "192.0.2.3:8080"])
    }

    @Test("Local is never narrowed; PreferLocal's fallback is")
    func policies() {
        #expect(Self.servers(Self.state(.preferSameZone, policy: .local, endpoints: Self.spread), node: "a") == ["192.0.2.1:8080"])
        let noLocal = [Self.endpoint(2, node: "b", zone: "z1"), Self.endpoint(3, node: "c", zone: "z2")]
        #expect(Self.servers(Self.state(.preferSameZone, policy: .preferLocal, endpoints: noLocal), node: "a") == ["192.0.2.2:8080"])
    }

    @Test("health first: a failed endpoint counts as not ready for topology")
    func healthBeforeTopology() {
        let check = HealthCheck(probe: .tcp)
        let endpoints = [
            Self.endpoint(1, node: "a", zone: "z1", healthCheck: check), Self.endpoint(3, node: "c", zone: "z2", healthCheck: check),
        ]
        func target(_ last: UInt8) -> HealthTarget { HealthTarget(address: .v4(IPv4Address(192, 0, 2, last)), port: 8080, check: check) }
        let state = Self.state(.preferSameZone, endpoints: endpoints)
        let bothHealthy = HealthView(verdicts: [target(1): .healthy, target(3): .healthy])
        #expect(Self.servers(state, node: "a", health: bothHealthy) == ["192.0.2.1:8080"])
        // Zone z1's only endpoint failed: no ready endpoint names z1, so no narrowing.
        let zoneFailed = HealthView(verdicts: [target(1): .unhealthy, target(3): .healthy])
        #expect(Self.servers(state, node: "a", health: zoneFailed) == ["192.0.2.3:8080"])
    }

    @Test("per-endpoint target ports: each endpoint's own number; an endpoint without the port is left out")
    func targetPorts() {
        let ports = [ServicePort(name: "http", port: 80, targetPort: 8080), ServicePort(name: "admin", port: 90, targetPort: 9000)]
        let endpoints = [
            Self.endpoint(1, targetPorts: ["http": 8081, "admin": 9001]), Self.endpoint(2, targetPorts: ["http": 8082]),
            Self.endpoint(3),
        ]
        let state = Self.state(nil, endpoints: endpoints, ports: ports)
        #expect(Self.servers(state, node: "a") == ["192.0.2.1:8081", "192.0.2.2:8082", "192.0.2.3:8080"])
        #expect(Self.servers(state, node: "a", port: 90) == ["192.0.2.1:9001", "192.0.2.3:9000"])
    }

    @Test("health targets probe the endpoint's own port, the same one selection uses")
    func healthTargetsUseTheEndpointsPort() {
        let check = HealthCheck(probe: .tcp)
        let ports = [ServicePort(name: "http", port: 80, targetPort: 8080), ServicePort(name: "admin", port: 90, targetPort: 9000)]
        let endpoints = [
            Self.endpoint(1, targetPorts: ["http": 8081], healthCheck: check),
            Self.endpoint(2, targetPorts: ["admin": 9002], healthCheck: check),
            Self.endpoint(3, healthCheck: check),
        ]
        let state = Self.state(nil, endpoints: endpoints, ports: ports)
        let targets = HealthTargets.targets(of: state, node: "a").map { "\(Endpoint.format($0.address, $0.port))" }.sorted()
        #expect(targets == ["192.0.2.1:8081", "192.0.2.2:9002", "192.0.2.3:8080"])
        let view = HealthView(verdicts: [
            HealthTarget(address: endpoints[0].address, port: 8081, check: check): .unhealthy,
            HealthTarget(address: endpoints[1].address, port: 9002, check: check): .healthy,
            HealthTarget(address: endpoints[2].address, port: 8080, check: check): .healthy,
        ])
        #expect(Self.servers(state, node: "a", health: view) == ["192.0.2.3:8080"])
        let selected = EndpointSelection.select(state, node: "a", health: view).virtualServices.first { $0.origin.portName == "http" }
        #expect(selected?.failedRealServers == [RealServerKey(address: endpoints[0].address, port: 8081)])
    }
}
