import Config
import Testing

/// Single values: addresses, ranges and fixed vocabularies. Each snippet is a valid service but
/// for the one value under test, so exactly one problem is expected.
struct ValueTests {
    /// A valid one-service file with `line` as its last field, replacing the base field of the
    /// same key. The base is `name`, `clusterIPs` and `ports`, so `line` is on line 5, or 4 when
    /// it replaces one of them; its value starts at column 3 + its own offset.
    private func service(with line: String) -> String {
        let key = line.prefix { $0 != ":" }
        let base = ["clusterIPs: [198.51.100.1]", "ports: [{port: 80}]"].filter { !$0.hasPrefix(key + ":") }
        return (["services:", "- name: a"] + (base + [line]).map { "  " + $0 }).joined(separator: "\n")
    }

    @Test(
        "malformed addresses are refused where written",
        arguments: [
            ("clusterIPs: [198.51.100.300]", Place(4, 16, "services[0].clusterIPs[0]", .invalidAddress)),
            ("externalIPs: [203.0.113.0/24]", Place(5, 17, "services[0].externalIPs[0]", .invalidAddress)),
            ("loadBalancerIPs: [\"2001:db8::1%eth0\"]", Place(5, 21, "services[0].loadBalancerIPs[0]", .invalidAddress)),
            ("endpoints: [{address: host.example}]", Place(5, 25, "services[0].endpoints[0].address", .invalidAddress)),
        ])
    func invalidAddress(line: String, place: Place) throws {
        let problem = try #require(ConfigTesting.problem(service(with: line)))
        #expect(problem.place == place)
    }

    @Test("an unquoted IPv6 address ending in '::' is explained, not called a mapping")
    func trailingColonAddress() throws {
        let problem = try #require(ConfigTesting.problem("nodes:\n  n:\n    addresses:\n    - 2001:db8::\nservices: []"))
        #expect(problem.place == Place(4, 7, "nodes[\"n\"].addresses[0]", .invalidAddress))
        #expect(problem.message == "an IPv6 address ending in ':' must be quoted: \"2001:db8::\"")
    }

    @Test("a prefix where an address belongs gets a hint")
    func prefixHint() throws {
        let problem = try #require(ConfigTesting.problem(service(with: "externalIPs: [203.0.113.0/24]")))
        #expect(problem.message == "'203.0.113.0/24' is not an IPv4 or IPv6 address (give a single address, not a prefix)")
    }

    @Test(
        "numbers outside their field's range are refused with the range",
        arguments: [
            ("ports: [{port: 0}]", "services[0].ports[0].port", "port 0 is out of range 1...65535"),
            ("ports: [{port: 65536}]", "services[0].ports[0].port", "port 65536 is out of range 1...65535"),
            ("ports: [{port: -80}]", "services[0].ports[0].port", "port -80 is out of range 1...65535"),
            (
                "ports: [{port: 99999999999999999999999}]", "services[0].ports[0].port",
                "port 99999999999999999999999 is out of range 1...65535"
            ),
            (
                "ports: [{port: 80, targetPort: 0}]", "services[0].ports[0].targetPort",
                "targetPort 0 is out of range 1...65535 (0, keeping the client's port, exists only for firewallMark.targetPort)"
            ),
            ("ports: [{port: 80, nodePort: 0}]", "services[0].ports[0].nodePort", "nodePort 0 is out of range 1...65535"),
            ("firewallMark: {mark: 0}", "services[0].firewallMark.mark", "mark 0 is out of range 1...4294967295"),
            ("firewallMark: {mark: 4294967296}", "services[0].firewallMark.mark", "mark 4294967296 is out of range 1...4294967295"),
            (
                "firewallMark: {mark: 1, targetPort: 65536}", "services[0].firewallMark.targetPort",
                "targetPort 65536 is out of range 0...65535"
            ),
            (
                "endpoints: [{address: 192.0.2.1, weight: 2147483648}]", "services[0].endpoints[0].weight",
                "weight 2147483648 is out of range 0...2147483647"
            ),
            (
                "endpoints: [{address: 192.0.2.1, weight: -1}]", "services[0].endpoints[0].weight",
                "weight -1 is out of range 0...2147483647"
            ),
            (
                "sessionAffinity: {timeoutSeconds: 0}", "services[0].sessionAffinity.timeoutSeconds",
                "timeoutSeconds 0 is out of range 1...86400"
            ),
            (
                "sessionAffinity: {timeoutSeconds: 86401}", "services[0].sessionAffinity.timeoutSeconds",
                "timeoutSeconds 86401 is out of range 1...86400"
            ),
            ("sessionAffinity: {prefixLength: 0}", "services[0].sessionAffinity.prefixLength", "prefixLength 0 is out of range 1...128"),
            (
                "sessionAffinity: {prefixLength: 129}", "services[0].sessionAffinity.prefixLength",
                "prefixLength 129 is out of range 1...128"
            ),
            ("drainSeconds: 604801", "services[0].drainSeconds", "drainSeconds 604801 is out of range 0...604800"),
            ("drainSeconds: -1", "services[0].drainSeconds", "drainSeconds -1 is out of range 0...604800"),
            (
                "externalTrafficPolicy: Local\n  healthCheckNodePort: 0", "services[0].healthCheckNodePort",
                "healthCheckNodePort 0 is out of range 1...65535"
            ),
        ])
    func outOfRange(line: String, path: String, message: String) throws {
        let problem = try #require(ConfigTesting.problem(service(with: line)))
        #expect(problem.code == .outOfRange)
        #expect(problem.path == path)
        #expect(problem.message == message)
    }

    @Test(
        "the edges of each range are accepted",
        arguments: [
            "ports: [{port: 1}, {port: 65535, targetPort: 1, nodePort: 65535}]",
            "endpoints: [{address: 192.0.2.1, weight: 0}, {address: 192.0.2.2, weight: 2147483647}]",
            "sessionAffinity: {timeoutSeconds: 1}",
            "sessionAffinity: {timeoutSeconds: 86400, prefixLength: 32}",
            "drainSeconds: 0",
            "drainSeconds: 604800",
            "firewallMark: {mark: 1, targetPort: 65535}",
        ])
    func rangeEdges(line: String) {
        #expect(ConfigTesting.state(service(with: line)) != nil)
    }

    @Test(
        "kernel settings outside their range are refused",
        arguments: [
            (
                "kernel: {timeouts: {tcp: 0}}", "kernel.timeouts.tcp",
                "tcp 0 is out of range 1...2147483 (omit it to keep the kernel's value)"
            ),
            (
                "kernel: {timeouts: {udp: 2147484}}", "kernel.timeouts.udp",
                "udp 2147484 is out of range 1...2147483 (omit it to keep the kernel's value)"
            ),
            ("kernel: {connReuseMode: 3}", "kernel.connReuseMode", "connReuseMode 3 is out of range 0...2"),
        ])
    func kernelRanges(line: String, path: String, message: String) throws {
        let problem = try #require(ConfigTesting.problem("\(line)\nservices: []"))
        #expect(problem.place == Place(1, problem.column, path, .outOfRange))
        #expect(problem.message == message)
    }

    @Test(
        "words outside a field's vocabulary are refused with the allowed ones",
        arguments: [
            (
                "ports: [{port: 80, protocol: QUIC}]", "services[0].ports[0].protocol", ConfigProblem.Code.unknownProtocol,
                "'QUIC' is not one of: TCP, UDP, SCTP"
            ),
            (
                "scheduler: least-connection", "services[0].scheduler", .unknownScheduler,
                "'least-connection' is not one of: rr, wrr, lc, wlc, lblc, lblcr, dh, sh, sed, nq, mh, fo, ovf, twos"
            ),
            (
                "scheduler: RR", "services[0].scheduler", .unknownScheduler,
                "'RR' is not one of: rr, wrr, lc, wlc, lblc, lblcr, dh, sh, sed, nq, mh, fo, ovf, twos (did you mean 'rr'?)"
            ),
            (
                "scheduler: {name: sh, flags: [sh-fallbak]}", "services[0].scheduler.flags[0]", .unknownFlag,
                "'sh-fallbak' is not one of: sh-fallback, sh-port, mh-fallback, mh-port, one-packet, flag-1, flag-2, flag-3"
            ),
            (
                "scheduler: {name: rr, flags: [persistent]}", "services[0].scheduler.flags[0]", .unknownFlag,
                "'persistent' is not a scheduler flag: set sessionAffinity to make the service persistent"
            ),
            (
                "internalTrafficPolicy: Nearby", "services[0].internalTrafficPolicy", .invalidValue,
                "'Nearby' is not one of: Cluster, Local, PreferLocal"
            ),
            (
                "externalTrafficPolicy: preferLocal", "services[0].externalTrafficPolicy", .invalidValue,
                "'preferLocal' is not one of: Cluster, Local, PreferLocal (did you mean 'PreferLocal'?)"
            ),
            (
                "trafficDistribution: preferSameZone", "services[0].trafficDistribution", .invalidValue,
                "'preferSameZone' is not one of: PreferSameNode, PreferSameZone, PreferClose (did you mean 'PreferSameZone'?)"
            ),
            ("forwarding: nat", "services[0].forwarding", .invalidValue, "'nat' is not one of: masquerade, direct-route, tunnel"),
            (
                "forwarding: tunnel\n  tunnel: {type: vxlan}", "services[0].tunnel.type", .invalidValue,
                "'vxlan' is not one of: ipip, gue, gre"
            ),
            (
                "forwarding: tunnel\n  tunnel: {type: gue, port: 6080, checksum: yes}", "services[0].tunnel.checksum", .wrongType,
                "expected a string, found the boolean 'yes' (quote it if you mean the text)"
            ),
            (
                "forwarding: tunnel\n  tunnel: {type: gue, port: 6080, checksum: full}", "services[0].tunnel.checksum", .invalidValue,
                "'full' is not one of: none, checksum, remote-checksum"
            ),
            (
                "firewallMark: {mark: 1, family: inet6}", "services[0].firewallMark.family", .invalidValue,
                "'inet6' is not one of: IPv4, IPv6"
            ),
            ("sessionAffinity: Sticky", "services[0].sessionAffinity", .invalidValue, "'Sticky' is not one of: None, ClientIP"),
        ])
    func vocabulary(line: String, path: String, code: ConfigProblem.Code, message: String) throws {
        let problem = try #require(ConfigTesting.problem(service(with: line)))
        #expect(problem.code == code)
        #expect(problem.path == path)
        #expect(problem.message == message)
    }

    @Test(
        "every mainline scheduler is accepted",
        arguments: ["rr", "wrr", "lc", "wlc", "lblc", "lblcr", "dh", "sh", "sed", "nq", "mh", "fo", "ovf", "twos"])
    func mainlineSchedulers(name: String) throws {
        let spec = try #require(ConfigTesting.service("name: a\nclusterIPs: [198.51.100.1]\nports: [{port: 80}]\nscheduler: \(name)"))
        #expect(spec.scheduler.rawValue == name)
    }

    @Test(
        "interface names follow the kernel's rules",
        arguments: [
            ("\"\"", "must be 1 to 15 bytes long"),
            ("abcdefghijklmnop", "must be 1 to 15 bytes long"),
            ("\".\"", "cannot be '.' or '..'"),
            ("\"..\"", "cannot be '.' or '..'"),
            ("ipvs/0", "cannot contain '/', ':' or whitespace"),
            ("\"ipvs 0\"", "cannot contain '/', ':' or whitespace"),
            ("\"ipvs:0\"", "cannot contain '/', ':' or whitespace"),
            ("\"ipvs\\t0\"", "cannot contain '/', ':' or whitespace"),
        ])
    func interfaceNames(written: String, reason: String) throws {
        let problem = try #require(ConfigTesting.problem("interface: \(written)\nservices: []"))
        #expect(problem.place == Place(1, 12, "interface", .invalidValue))
        #expect(problem.message.hasSuffix(reason), "\(problem.message)")
    }

    @Test("a 15-character interface name is accepted")
    func longestInterfaceName() {
        #expect(ConfigTesting.state("interface: abcdefghijklmno\nservices: []")?.interface == "abcdefghijklmno")
    }

    @Test(
        "names must not be empty",
        arguments: [
            ("services:\n- name: \"\"\n  clusterIPs: [198.51.100.1]\n  ports: [{port: 80}]", "services[0].name"),
            ("node: ''\nservices: []", "node"),
            ("nodes: {'': {addresses: []}}\nservices: []", "nodes[\"\"]"),
            ("services:\n- name: a\n  clusterIPs: [198.51.100.1]\n  ports: [{port: 80, name: ''}]", "services[0].ports[0].name"),
            (
                "services:\n- name: a\n  clusterIPs: [198.51.100.1]\n  ports: [{port: 80}]\n  endpoints: [{address: 192.0.2.1, zone: ''}]",
                "services[0].endpoints[0].zone"
            ),
        ])
    func emptyNames(yaml: String, path: String) throws {
        let problem = try #require(ConfigTesting.problem(yaml))
        #expect(problem.code == .invalidValue)
        #expect(problem.path == path)
    }
}
