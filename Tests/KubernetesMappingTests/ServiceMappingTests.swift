import IPVSCore
import KubernetesAPI
import KubernetesMapping
import Testing

/// kube-proxy's reading of a Service: which VIPs, which policies, which extras.
struct ServiceMappingTests {
    static func kernel(_ result: MappingResult) -> [String] {
        EndpointSelection.select(result.state, node: "this").virtualServices.map { "\($0.service.key)" }
    }

    @Test("each VIP kind: cluster IPs, external IPs, VIP-mode ingress; node ports on the node's addresses")
    func vipKinds() {
        let service = Build.service(
            type: "LoadBalancer", clusterIPs: ["10.96.0.1"], ports: [Build.tcp("http", 80, nodePort: 30080)],
            externalIPs: ["198.51.100.1"],
            ingress: [
                LoadBalancerIngress(ip: "203.0.113.1"), LoadBalancerIngress(ip: "203.0.113.2", ipMode: "VIP"),
                LoadBalancerIngress(ip: "203.0.113.3", ipMode: "Proxy"),
            ])
        let result = Build.map(
            [service],
            node: Build.node(addresses: [
                ("InternalIP", "192.0.2.1"), ("ExternalIP", "192.0.2.2"),
                ("Hostname", "this"), ("InternalDNS", "this.local"),
            ]))
        #expect(
            Self.kernel(result) == [
                "TCP 10.96.0.1:80", "TCP 192.0.2.1:30080", "TCP 192.0.2.2:30080", "TCP 198.51.100.1:80",
                "TCP 203.0.113.1:80", "TCP 203.0.113.2:80",
            ])
    }

    @Test("an ingress with an ipMode this version does not know is not captured, and says so")
    func unknownIPMode() {
        let result = Build.map([Build.service(type: "LoadBalancer", ingress: [LoadBalancerIngress(ip: "203.0.113.1", ipMode: "Tunnel")])])
        #expect(result.service("ns/svc")?.loadBalancerIPs == [])
        #expect(result.skipped("ns/svc") == [.unknownValue("Tunnel")])
    }

    @Test("the same objects in any order map to the same state")
    func deterministic() {
        let services = (1...5).map { Build.service("s\($0)", clusterIP: "10.96.0.\($0)") }
        let slices = (1...5).flatMap { index in
            ["a", "b"].map { part in
                Build.slice(
                    "s\(index)-\(part)", service: "s\(index)",
                    endpoints: [Build.endpoint("10.0.\(index).1"), Build.endpoint("10.0.\(index).\(part == "a" ? 2 : 3)")])
            }
        }
        let forward = Build.map(services, slices)
        let backward = Build.map(services.reversed(), slices.reversed())
        #expect(forward == backward)
        #expect(forward.state.services.map(\.name) == ["ns/s1", "ns/s2", "ns/s3", "ns/s4", "ns/s5"])
    }

    @Test("a ClusterIP Service has no node ports, even with a nodePort value")
    func clusterIPHasNoNodePort() {
        let result = Build.map([Build.service(ports: [Build.tcp("http", 80, nodePort: 30080)])])
        #expect(Self.kernel(result) == ["TCP 10.96.0.1:80"])
    }

    @Test("dual-stack: clusterIPs of both families; clusterIP alone when clusterIPs is absent")
    func dualStack() {
        let dual = Build.map([Build.service(clusterIPs: ["10.96.0.1", "fd00::1"])])
        #expect(dual.service("ns/svc")?.clusterIPs == [Build.ip("10.96.0.1"), Build.ip("fd00::1")])
        let single = Build.map([Build.service(clusterIP: "fd00::2")])
        #expect(single.service("ns/svc")?.clusterIPs == [Build.ip("fd00::2")])
    }

    @Test(
        "headless, no cluster IP and ExternalName are not proxied",
        arguments: [
            ("None", nil, SkipReason.headless), ("", nil, .noClusterIP), (nil, nil, .noClusterIP),
            ("10.96.0.1", "ExternalName", .externalName),
        ] as [(String?, String?, SkipReason)])
    func notProxied(clusterIP: String?, type: String?, reason: SkipReason) {
        let result = Build.map([Build.service(type: type, clusterIP: clusterIP)])
        #expect(result.state.services.isEmpty)
        #expect(result.skipped("ns/svc") == [reason])
        #expect(!reason.isProblem)
    }

    @Test(
        "traffic policies: absent is Cluster; the external one only where something outside reaches the Service",
        arguments: [
            (nil, nil, nil, [String]?.none, TrafficPolicy.cluster, TrafficPolicy.cluster),
            ("Local", "Local", nil, nil, .local, .cluster),
            (nil, "Local", "NodePort", nil, .cluster, .local),
            (nil, "Local", "LoadBalancer", nil, .cluster, .local),
            (nil, "Local", nil, ["198.51.100.1"], .cluster, .local),
        ] as [(String?, String?, String?, [String]?, TrafficPolicy, TrafficPolicy)])
    func policies(
        itp: String?, etp: String?, type: String?, externalIPs: [String]?, internalPolicy: TrafficPolicy, externalPolicy: TrafficPolicy
    ) {
        let spec = Build.map([Build.service(type: type, externalIPs: externalIPs, internalPolicy: itp, externalPolicy: etp)]).service(
            "ns/svc")
        #expect(spec?.internalTrafficPolicy == internalPolicy)
        #expect(spec?.externalTrafficPolicy == externalPolicy)
    }

    @Test("session affinity ClientIP: its timeout, 10800 s by default; None: no persistence")
    func sessionAffinity() {
        #expect(
            Build.map([Build.service(affinity: "ClientIP", affinityTimeout: 60)]).service("ns/svc")?.sessionAffinity
                == SessionAffinity(timeoutSeconds: 60))
        #expect(
            Build.map([Build.service(affinity: "ClientIP")]).service("ns/svc")?.sessionAffinity
                == SessionAffinity(timeoutSeconds: 10800))
        #expect(Build.map([Build.service(affinity: "None")]).service("ns/svc")?.sessionAffinity == nil)
    }

    @Test(
        "healthCheckNodePort only for LoadBalancer with externalTrafficPolicy Local",
        arguments: [
            ("LoadBalancer", "Local", UInt16?.some(32000)), ("LoadBalancer", "Cluster", nil), ("NodePort", "Local", nil),
            (nil, "Local", nil),
        ] as [(String?, String, UInt16?)])
    func healthCheckNodePort(type: String?, etp: String, expected: UInt16?) {
        let service = Build.service(
            type: type, ports: [Build.tcp("http", 80, nodePort: 30080)], externalPolicy: etp, healthCheckNodePort: 32000)
        #expect(Build.map([service]).service("ns/svc")?.healthCheckNodePort == expected)
    }

    @Test("the node's zone label becomes its zone; defaults fill what Kubernetes has no field for")
    func zoneAndDefaults() {
        let defaults = ServiceDefaults(
            scheduler: .weightedLeastConnection, drainSeconds: 30,
            healthCheck: HealthCheck(probe: .tcp), panicThreshold: 0.5, weight: 3)
        let result = Build.map(
            [Build.service()], [Build.slice("s", endpoints: [Build.endpoint("10.0.0.1")])],
            node: Build.node(zone: "z1"), defaults: defaults)
        #expect(result.state.nodeZones == ["this": "z1"])
        let spec = result.service("ns/svc")
        #expect(spec?.scheduler == .weightedLeastConnection && spec?.drainSeconds == 30 && spec?.panicThreshold == 0.5)
        #expect(spec?.endpoints.first?.weight == 3)
        #expect(spec?.endpoints.first?.healthCheck == HealthCheck(probe: .tcp))
    }

    @Test("without the Node object: no node addresses, so no node ports yet")
    func noNode() {
        let result = Build.map([Build.service(type: "NodePort", ports: [Build.tcp("http", 80, nodePort: 30080)])], node: nil)
        #expect(result.state.nodeAddresses.isEmpty)
        #expect(Self.kernel(result) == ["TCP 10.96.0.1:80"])
    }
}
