import IPVSCore
import KubernetesAPI
import KubernetesMapping
import Testing

/// What the packet path takes from the API: a Service's allowed load-balancer clients, failing
/// closed when they cannot be read, and this node's pod ranges.
struct PacketPathMappingTests {
    static let annotation = "service.beta.kubernetes.io/load-balancer-source-ranges"
    static let annotationField = "metadata.annotations[\"\(annotation)\"]"

    static func loadBalancer(ranges: [String]?, annotation: String?) -> KubernetesService {
        var service = Build.service(
            type: "LoadBalancer", ports: [Build.tcp("http", 80, nodePort: 30080)],
            ingress: [LoadBalancerIngress(ip: "203.0.113.1"), LoadBalancerIngress(ip: "2001:db8::1")],
            annotations: annotation.map { [Self.annotation: $0] })
        service.spec?.loadBalancerSourceRanges = ranges
        return service
    }

    static func ranges(_ texts: [String]) -> [IPPrefix] { texts.map { IPPrefix($0)! } }

    @Test(
        "source ranges are the allowed clients, trimmed and with host bits cleared; the annotation where the field is empty",
        arguments: [
            (["198.51.100.0/24", " 203.0.113.7/24 ", "2001:db8:ff::/48"], nil, ["198.51.100.0/24", "203.0.113.0/24", "2001:db8:ff::/48"]),
            (nil, "198.51.100.0/24, 192.0.2.0/25", ["198.51.100.0/24", "192.0.2.0/25"]),
            ([], " 192.0.2.9/25 ", ["192.0.2.0/25"]),
            (["198.51.100.0/24"], "not even read", ["198.51.100.0/24"]),
            (nil, "  ", []),
            (nil, nil, []),
        ] as [([String]?, String?, [String])])
    func sourceRanges(field: [String]?, annotation: String?, expected: [String]) throws {
        let result = Build.map([Self.loadBalancer(ranges: field, annotation: annotation)])
        let spec = try #require(result.service("ns/svc"))
        #expect(spec.loadBalancerSourceRanges == Self.ranges(expected))
        #expect(spec.loadBalancerIPs == [Build.ip("203.0.113.1"), Build.ip("2001:db8::1")])
        #expect(result.skipped.isEmpty)
        #expect(result.annotationProblems.isEmpty)
    }

    @Test(
        "a range that does not parse withholds the load-balancer IPs, never serving them with a partial allow-list",
        arguments: [
            (["198.51.100.0/24", "office"], nil, "spec.loadBalancerSourceRanges[1]", "office"),
            (["198.51.100.7"], nil, "spec.loadBalancerSourceRanges[0]", "198.51.100.7"),
            (["198.51.100.0/33"], nil, "spec.loadBalancerSourceRanges[0]", "198.51.100.0/33"),
            (["010.0.0.0/8"], nil, "spec.loadBalancerSourceRanges[0]", "010.0.0.0/8"),
            (nil, "198.51.100.0/24,", annotationField, ""),
            (nil, "198.51.100.0/24,*", annotationField, "*"),
        ] as [([String]?, String?, String, String)])
    func unreadableRange(field: [String]?, annotation: String?, skippedField: String, text: String) throws {
        let result = Build.map([Self.loadBalancer(ranges: field, annotation: annotation)])
        let spec = try #require(result.service("ns/svc"))
        #expect(spec.loadBalancerIPs == [])
        #expect(spec.loadBalancerSourceRanges == [])
        #expect(ServiceMappingTests.kernel(result) == ["TCP 10.96.0.1:80", "TCP 192.0.2.1:30080"])
        #expect(result.skipped == [SkippedObject(kind: .service, key: "ns/svc", field: skippedField, reason: .badSourceRange(text))])
        #expect(SkipReason.badSourceRange(text).isProblem)
        #expect(
            result.skipped.first?.description.hasSuffix(
                "the load-balancer IPs are not served rather than served to clients the Service may not allow") == true)
    }

    @Test("every bad range is reported, each at its place")
    func everyBadRange() {
        let result = Build.map([Self.loadBalancer(ranges: ["x", "198.51.100.0/24", "y"], annotation: nil)])
        #expect(result.skipped.map(\.field) == ["spec.loadBalancerSourceRanges[0]", "spec.loadBalancerSourceRanges[2]"])
    }

    @Test(
        "this node's pod ranges: podCIDRs, else podCIDR; host bits cleared; a bad one left out with its reason",
        arguments: [
            (["10.244.1.0/24", "fd00:10:244:1::/64"], nil, ["10.244.1.0/24", "fd00:10:244:1::/64"], [SkippedObject]()),
            (nil, "10.244.2.0/24", ["10.244.2.0/24"], []),
            ([], "10.244.2.0/24", ["10.244.2.0/24"], []),
            (["10.244.1.0/24"], "10.244.9.0/24", ["10.244.1.0/24"], []),
            (["10.244.1.5/24"], nil, ["10.244.1.0/24"], []),
            (
                ["10.244.1.0/24", "pods", "10.244.1.1"], nil, ["10.244.1.0/24"],
                [
                    SkippedObject(kind: .node, key: "this", field: "spec.podCIDRs[1]", reason: .badCIDR("pods")),
                    SkippedObject(kind: .node, key: "this", field: "spec.podCIDRs[2]", reason: .badCIDR("10.244.1.1")),
                ]
            ),
            (nil, "10.244.2.0/33", [], [SkippedObject(kind: .node, key: "this", field: "spec.podCIDR", reason: .badCIDR("10.244.2.0/33"))]),
        ] as [([String]?, String?, [String], [SkippedObject])])
    func podCIDRs(listed: [String]?, single: String?, expected: [String], skipped: [SkippedObject]) {
        let result = Build.map([], node: Build.node(podCIDRs: listed, podCIDR: single))
        #expect(result.state.nodePodCIDRs["this"] == (expected.isEmpty ? nil : Self.ranges(expected)))
        #expect(result.skipped == skipped)
    }

    @Test("the Node's pod ranges replace the config file's for this node; without any, the file's stay")
    func podCIDRsOverTheFile() {
        let base = DesiredState(
            clusterCIDRs: Self.ranges(["10.244.0.0/16"]),
            nodePodCIDRs: ["this": Self.ranges(["10.244.7.0/24"]), "other": Self.ranges(["10.244.8.0/24"])])
        let fromNode = Build.map([], node: Build.node(podCIDRs: ["10.244.1.0/24"]), base: base)
        #expect(fromNode.state.nodePodCIDRs == ["this": Self.ranges(["10.244.1.0/24"]), "other": Self.ranges(["10.244.8.0/24"])])
        #expect(fromNode.state.clusterCIDRs == Self.ranges(["10.244.0.0/16"]))
        let withoutRanges = Build.map([], node: Build.node(), base: base)
        #expect(withoutRanges.state.nodePodCIDRs == base.nodePodCIDRs)
        let withoutNode = Build.map([], node: nil, base: base)
        #expect(withoutNode.state.nodePodCIDRs == base.nodePodCIDRs)
    }
}
