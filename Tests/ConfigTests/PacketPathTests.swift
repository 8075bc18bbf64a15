import Config
import IPVSCore
import Testing

/// What the packet path reads from the file: the cluster's and each node's pod ranges, a
/// service's load-balancer source ranges, and strict ARP.
struct PacketPathTests {
    private static func range(_ text: String) -> IPPrefix { IPPrefix(text)! }

    /// A load-balancer service (line 2 on) with `ranges` as its source ranges on line 5, whose
    /// first item starts at column 30.
    static func service(ranges: String, loadBalancerIPs: String = "[203.0.113.10]") -> String {
        """
        services:
        - name: a
          loadBalancerIPs: \(loadBalancerIPs)
          ports: [{port: 443}]
          loadBalancerSourceRanges: [\(ranges)]
        """
    }

    @Test("every field decoded: cluster and pod ranges, source ranges (a bare address is a range of one), strict ARP")
    func decoded() throws {
        let state = try #require(
            ConfigTesting.state(
                """
                clusterCIDRs: [10.244.0.0/16, "fd00:10:244::/56"]
                nodes:
                  node-a: {addresses: [192.0.2.1], podCIDRs: [10.244.1.0/24, "fd00:10:244:1::/64"]}
                  node-b: {addresses: [192.0.2.2]}
                kernel: {strictARP: true}
                services:
                - name: web
                  loadBalancerIPs: [203.0.113.10, "2001:db8::10"]
                  loadBalancerSourceRanges: [198.51.100.0/24, 192.0.2.7, "2001:db8:1::/48", "2001:db8::99"]
                  ports: [{port: 443}]
                """))
        #expect(state.clusterCIDRs == [Self.range("10.244.0.0/16"), Self.range("fd00:10:244::/56")])
        #expect(state.nodePodCIDRs == ["node-a": [Self.range("10.244.1.0/24"), Self.range("fd00:10:244:1::/64")]])
        #expect(state.kernel.strictARP == true)
        #expect(
            state.services.first?.loadBalancerSourceRanges == [
                Self.range("198.51.100.0/24"), Self.range("192.0.2.7/32"), Self.range("2001:db8:1::/48"), Self.range("2001:db8::99/128"),
            ])
    }

    @Test(
        "strict ARP is a boolean: true, false or left alone, and sets the two ARP sysctls",
        arguments: [
            ("kernel: {strictARP: true}", Bool?.some(true), [KernelSysctl.arpIgnore: 1, .arpAnnounce: 2]),
            ("kernel: {strictARP: false}", false, [.arpIgnore: 0, .arpAnnounce: 0]),
            ("kernel: {conntrack: true}", nil, [.ipvsConntrack: 1]),
        ] as [(String, Bool?, [KernelSysctl: Int])])
    func strictARP(line: String, value: Bool?, sysctls: [KernelSysctl: Int]) throws {
        let state = try #require(ConfigTesting.state("\(line)\nservices: []"))
        #expect(state.kernel.strictARP == value)
        #expect(state.kernel.sysctls == sysctls)
    }

    @Test("strict ARP refuses what is not a boolean")
    func strictARPType() throws {
        let problem = try #require(ConfigTesting.problem("kernel: {strictARP: 1}\nservices: []"))
        #expect(problem.place == Place(1, 21, "kernel.strictARP", .wrongType))
        #expect(problem.message == "expected true or false, found the number 1")
    }

    @Test("without the new keys nothing changes: no ranges, strict ARP left alone")
    func absent() throws {
        let state = try #require(ConfigTesting.state("nodes: {n: {addresses: [192.0.2.1]}}\nservices: []"))
        #expect(state.clusterCIDRs.isEmpty)
        #expect(state.nodePodCIDRs.isEmpty)
        #expect(state.kernel.strictARP == nil)
    }

    @Test(
        "a source range that is not a CIDR, or has host bits set, is refused where written",
        arguments: [
            ("203.0.113.7/24", "203.0.113.7/24 has host bits set; did you mean 203.0.113.0/24?"),
            ("\"2001:db8::1/32\"", "2001:db8::1/32 has host bits set; did you mean 2001:db8::/32?"),
            ("198.51.100.0/33", "'198.51.100.0/33' is not a CIDR range: the prefix length of an IPv4 range is 0 to 32"),
            ("\"2001:db8::/129\"", "'2001:db8::/129' is not a CIDR range: the prefix length of an IPv6 range is 0 to 128"),
            ("198.51.100.0/", "'198.51.100.0/' is not a CIDR range: the prefix length of an IPv4 range is 0 to 32"),
            ("office.example/24", "'office.example/24' is not a CIDR range: 'office.example' is not an IPv4 or IPv6 address"),
            ("office", "'office' is not a CIDR range (ADDRESS/LENGTH, or a single address)"),
            ("198.51.100.300", "'198.51.100.300' is not a CIDR range (ADDRESS/LENGTH, or a single address)"),
        ])
    func malformedSourceRange(written: String, message: String) throws {
        let problem = try #require(ConfigTesting.problem(Self.service(ranges: written)))
        #expect(problem.place == Place(5, 30, "services[0].loadBalancerSourceRanges[0]", .invalidCIDR))
        #expect(problem.message == message)
    }

    @Test("each bad range is reported at its own item, all at once")
    func everyBadRange() {
        let problems = ConfigTesting.problems(Self.service(ranges: "198.51.100.0/24, 192.0.2.1/16, \"2001:db8::/32\""))
        #expect(
            problems.map(\.place) == [
                Place(5, 47, "services[0].loadBalancerSourceRanges[1]", .invalidCIDR),
                Place(5, 61, "services[0].loadBalancerSourceRanges[2]", .mixedFamilies),
            ])
        #expect(problems.first?.message == "192.0.2.1/16 has host bits set; did you mean 192.0.0.0/16?")
    }

    @Test("a range of a family none of the load-balancer IPs has is refused at the range")
    func wrongFamily() throws {
        let problem = try #require(ConfigTesting.problem(Self.service(ranges: "\"2001:db8::/32\"")))
        #expect(problem.place == Place(5, 30, "services[0].loadBalancerSourceRanges[0]", .mixedFamilies))
        #expect(
            problem.message
                == "2001:db8::/32 is an IPv6 range but this service's loadBalancerIPs are IPv4 only: it could never match a client")
        let ipv6Only = try #require(ConfigTesting.problem(Self.service(ranges: "192.0.2.0/24", loadBalancerIPs: "[\"2001:db8::10\"]")))
        #expect(
            ipv6Only.message
                == "192.0.2.0/24 is an IPv4 range but this service's loadBalancerIPs are IPv6 only: it could never match a client")
    }

    @Test("ranges on a service without load-balancer IPs are refused at the list; an empty list is fine")
    func noLoadBalancerIPs() throws {
        let problem = try #require(
            ConfigTesting.problem(
                """
                services:
                - name: a
                  clusterIPs: [198.51.100.1]
                  externalIPs: [203.0.113.1]
                  ports: [{port: 80}]
                  loadBalancerSourceRanges: [192.0.2.0/24]
                """))
        #expect(problem.place == Place(6, 29, "services[0].loadBalancerSourceRanges", .notApplicable))
        #expect(problem.message == "loadBalancerSourceRanges filter the clients of loadBalancerIPs, and this service has none")
        #expect(
            ConfigTesting.service("name: a\nclusterIPs: [198.51.100.1]\nports: [{port: 80}]\nloadBalancerSourceRanges: []")?
                .loadBalancerSourceRanges == [])
        #expect(
            ConfigTesting.service("name: a\nclusterIPs: [198.51.100.1]\nports: [{port: 80}]\nloadBalancerSourceRanges:")?
                .loadBalancerSourceRanges == [])
    }

    @Test("a bad load-balancer IP or a list that is not a list is reported once, not also as a range problem")
    func noCascade() {
        #expect(
            ConfigTesting.problems(Self.service(ranges: "\"2001:db8::/32\"", loadBalancerIPs: "[203.0.113.300]")).map(\.place)
                == [Place(3, 21, "services[0].loadBalancerIPs[0]", .invalidAddress)])
        #expect(
            ConfigTesting.problems(
                """
                services:
                - name: a
                  loadBalancerIPs: [203.0.113.10]
                  ports: [{port: 443}]
                  loadBalancerSourceRanges: 192.0.2.0/24
                """
            ).map(\.place) == [Place(5, 29, "services[0].loadBalancerSourceRanges", .wrongType)])
    }

    @Test(
        "cluster and pod ranges are refused where written, by the same rules",
        arguments: [
            (
                "clusterCIDRs: [10.244.0.0/14, 10.96.0.1/12]\nservices: []", Place(1, 31, "clusterCIDRs[1]", .invalidCIDR),
                "10.96.0.1/12 has host bits set; did you mean 10.96.0.0/12?"
            ),
            (
                "nodes:\n  node-a: {addresses: [192.0.2.1], podCIDRs: [10.244.1.1/24]}\nservices: []",
                Place(2, 47, "nodes[\"node-a\"].podCIDRs[0]", .invalidCIDR), "10.244.1.1/24 has host bits set; did you mean 10.244.1.0/24?"
            ),
            (
                "nodes:\n  node-a: {addresses: [192.0.2.1], podCIDRs: [pods]}\nservices: []",
                Place(2, 47, "nodes[\"node-a\"].podCIDRs[0]", .invalidCIDR),
                "'pods' is not a CIDR range (ADDRESS/LENGTH, or a single address)"
            ),
            (
                "clusterCIDRs:\n- 2001:db8::\nservices: []", Place(2, 3, "clusterCIDRs[0]", .invalidCIDR),
                "an IPv6 address ending in ':' must be quoted: \"2001:db8::\""
            ),
            (
                "clusterCIDRs: 10.244.0.0/16\nservices: []", Place(1, 15, "clusterCIDRs", .wrongType),
                "expected a list, found the string '10.244.0.0/16'"
            ),
        ])
    func badClusterOrPodRange(yaml: String, place: Place, message: String) throws {
        let problem = try #require(ConfigTesting.problem(yaml))
        #expect(problem.place == place)
        #expect(problem.message == message)
    }

    @Test(
        "Kubernetes' singular names are pointed at the plural keys",
        arguments: [
            ("clusterCIDR: [10.244.0.0/16]\nservices: []", "clusterCIDR", "clusterCIDRs"),
            ("nodes: {n: {addresses: [192.0.2.1], podCIDR: 10.244.1.0/24}}\nservices: []", "nodes[\"n\"].podCIDR", "podCIDRs"),
            (
                PacketPathTests.service(ranges: "192.0.2.0/24").replacingOccurrences(of: "SourceRanges", with: "SourceRange"),
                "services[0].loadBalancerSourceRange", "loadBalancerSourceRanges"
            ),
        ])
    func singularKeys(yaml: String, path: String, suggestion: String) throws {
        let problem = try #require(ConfigTesting.problem(yaml))
        #expect(problem.path == path)
        #expect(problem.code == .unknownKey)
        #expect(problem.message.contains("(did you mean '\(suggestion)'?)"), "\(problem.message)")
    }

    @Test("with the Kubernetes source the file may give the cluster's and nodes' pod ranges and strict ARP")
    func kubernetesSource() throws {
        let state = try KubernetesDefaultsTests.kubernetes(
            """
            clusterCIDRs: [10.244.0.0/16]
            nodes:
              node-a: {addresses: [192.0.2.1], podCIDRs: [10.244.1.0/24]}
            kernel: {strictARP: true}
            """)
        #expect(state.clusterCIDRs == [Self.range("10.244.0.0/16")])
        #expect(state.nodePodCIDRs == ["node-a": [Self.range("10.244.1.0/24")]])
        #expect(state.kernel.strictARP == true)
        do {
            _ = try KubernetesDefaultsTests.kubernetes("clusterCIDRs: [10.244.0.1/16]\n")
            Issue.record("a range with host bits was accepted with the Kubernetes source")
        } catch {
            #expect(error.problems.map(\.place) == [Place(1, 16, "clusterCIDRs[0]", .invalidCIDR)])
        }
    }
}
