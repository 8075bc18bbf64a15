import IPVSCore
import KubernetesAPI
import KubernetesMapping
import Testing

/// A malformed object (or part) is left out with its reason; everything else is unaffected.
struct MalformedObjectTests {
    static let good = Build.service("good")
    static let goodSlice = Build.slice("good-1", service: "good", endpoints: [Build.endpoint("10.0.0.1")])

    static func withGood(_ services: [KubernetesService], _ slices: [EndpointSlice] = []) -> MappingResult {
        let result = Build.map(services + [good], slices + [goodSlice])
        #expect(result.service("ns/good")?.endpoints.map(\.address) == [Build.ip("10.0.0.1")])
        return result
    }

    @Test(
        "a Service with an unknown type, policy or affinity is left out whole",
        arguments: [
            (Build.service(type: "Weird"), "spec.type", SkipReason.unknownValue("Weird")),
            (Build.service(internalPolicy: "Nearby"), "spec.internalTrafficPolicy", .unknownValue("Nearby")),
            (Build.service(externalPolicy: "PreferLocal"), "spec.externalTrafficPolicy", .unknownValue("PreferLocal")),
            (Build.service(affinity: "Cookie"), "spec.sessionAffinity", .unknownValue("Cookie")),
            (
                Build.service(affinity: "ClientIP", affinityTimeout: 0), "spec.sessionAffinityConfig.clientIP.timeoutSeconds",
                .outOfRange(0, 1...86400)
            ),
        ] as [(KubernetesService, String, SkipReason)])
    func wholeService(_ service: KubernetesService, field: String, reason: SkipReason) {
        let result = Self.withGood([service])
        #expect(result.service("ns/svc") == nil)
        #expect(result.skipped == [SkippedObject(kind: .service, key: "ns/svc", field: field, reason: reason)])
        #expect(reason.isProblem)
    }

    @Test("a bad address leaves out that address only; the Service keeps the rest")
    func badAddresses() {
        let service = Build.service(
            clusterIPs: ["10.96.0.1", "not-an-ip"], externalIPs: ["198.51.100.300", "198.51.100.1"],
            ingress: [LoadBalancerIngress(ip: "203.0.113.x")])
        let result = Self.withGood([service])
        let spec = result.service("ns/svc")
        #expect(spec?.clusterIPs == [Build.ip("10.96.0.1")])
        #expect(spec?.externalIPs == [Build.ip("198.51.100.1")])
        #expect(spec?.loadBalancerIPs == [])
        #expect(result.skipped.map(\.field) == ["spec.clusterIPs[1]", "spec.externalIPs[0]", "status.loadBalancer.ingress[0]"])
    }

    @Test("a port with an unknown protocol or a number out of range is left out; the others stay")
    func badPorts() {
        let ports = [
            Build.tcp("a", 80, protocol: "ICMP"), Build.tcp("b", 70000), Build.tcp("c", 81),
            KubernetesService.Port(name: "d", protocol: "TCP", port: nil),
            Build.tcp("e", 82, nodePort: 99999),
        ]
        let result = Self.withGood([Build.service(type: "NodePort", ports: ports)])
        #expect(result.service("ns/svc")?.ports.map(\.port) == [81])
        #expect(
            result.skipped.map(\.reason) == [
                .unknownProtocol("ICMP"), .outOfRange(70000, 1...65535), .missingPort,
                .outOfRange(99999, 1...65535),
            ])
    }

    @Test("a slice without the service-name label, or with an unknown address type, is left out")
    func badSlices() {
        let unlabelled = Build.slice("orphan", service: nil, endpoints: [Build.endpoint("10.0.0.9")])
        let strange = Build.slice("strange", addressType: "IPv5", endpoints: [Build.endpoint("10.0.0.8")])
        let result = Self.withGood([Build.service()], [unlabelled, strange])
        #expect(result.service("ns/svc")?.endpoints == [])
        #expect(result.skipped.map(\.reason) == [.missingServiceNameLabel, .unknownAddressType("IPv5")])
    }

    @Test("bad endpoints and slice ports are left out one by one")
    func badEndpoints() {
        let slice = Build.slice(
            "s",
            ports: [
                Build.port("http", 8080), Build.port("http", 0), Build.port("http", 70000),
                Build.port("http", 8081, protocol: "QUIC"),
            ],
            endpoints: [
                Build.endpoint("10.0.0.1"), Build.endpoint("10.0.0.256"), Build.endpoint("fd00::1"),
                EndpointSlice.Endpoint(addresses: []),
            ])
        let result = Self.withGood([Build.service()], [slice])
        #expect(result.service("ns/svc")?.endpoints.map(\.address) == [Build.ip("10.0.0.1")])
        #expect(
            result.skipped.map { "\($0.field ?? "") \($0.reason)" } == [
                "endpoints[1] '10.0.0.256' is not an IP address",
                "endpoints[2] fd00::1 is not of the slice's addressType",
                "endpoints[3] no address",
                "ports[1] no port number",
                "ports[2] 70000 is out of range 1...65535",
                "ports[3] unknown protocol 'QUIC' (TCP, UDP or SCTP)",
            ])
    }

    @Test("a bad node address is left out; the others serve node ports")
    func badNodeAddress() {
        let node = Build.node(addresses: [("InternalIP", "192.0.2.999"), ("InternalIP", "192.0.2.1")])
        let result = Build.map([], node: node)
        #expect(result.state.nodeAddresses["this"] == [Build.ip("192.0.2.1")])
        #expect(
            result.skipped == [SkippedObject(kind: .node, key: "this", field: "status.addresses[0]", reason: .badAddress("192.0.2.999"))])
    }
}
