import Config
import Testing

/// Rules that relate a service's fields to one another.
struct ServiceRuleTests {
    /// The places of all problems in a one-service file whose fields are `fields` (the service
    /// mapping starts at line 2, column 3; each field line n of `fields` is file line n + 1).
    private func places(_ fields: String) -> [Place] {
        ConfigTesting.problems("services:\n- " + fields.replacingOccurrences(of: "\n", with: "\n  ")).map(\.place)
    }

    private func isValid(_ fields: String) -> Bool {
        ConfigTesting.service(fields) != nil
    }

    // MARK: Scheduler flags

    @Test(
        "sh and mh flags need their own scheduler",
        arguments: [
            ("sh-port", "mh"), ("sh-fallback", "rr"), ("mh-port", "sh"), ("mh-fallback", "wlc"),
        ])
    func flagNeedsItsScheduler(flag: String, scheduler: String) throws {
        let problem = try #require(
            ConfigTesting.problem(
                """
                services:
                - name: a
                  clusterIPs: [198.51.100.1]
                  ports: [{port: 80}]
                  scheduler: {name: \(scheduler), flags: [\(flag)]}
                """))
        #expect(problem.place == Place(5, 31 + scheduler.count, "services[0].scheduler.flags[0]", .notApplicable))
        #expect(problem.message.hasPrefix("\(flag) applies only to the \(flag.prefix(2)) scheduler"))
    }

    @Test("one-packet needs every port to be UDP")
    func onePacketNeedsUDP() throws {
        let problem = try #require(
            ConfigTesting.problem(
                """
                services:
                - name: a
                  clusterIPs: [198.51.100.1]
                  ports: [{port: 53, protocol: UDP}, {port: 53, protocol: TCP}]
                  scheduler: {name: rr, flags: [one-packet]}
                """))
        #expect(problem.place == Place(5, 33, "services[0].scheduler.flags[0]", .notApplicable))
        #expect(problem.message == "one-packet scheduling applies only to UDP services; port 53 is TCP")
    }

    @Test("a flag problem is not reported on top of a wrong scheduler or protocol")
    func noCascadeFromFlags() {
        #expect(
            places(
                """
                name: a
                clusterIPs: [198.51.100.1]
                ports: [{port: 80}]
                scheduler: {name: maglev, flags: [mh-port]}
                """) == [Place(5, 21, "services[0].scheduler.name", .unknownScheduler)])
        #expect(
            places(
                """
                name: a
                clusterIPs: [198.51.100.1]
                ports: [{port: 80, protocol: DCCP}]
                scheduler: {name: rr, flags: [one-packet]}
                """) == [Place(4, 32, "services[0].ports[0].protocol", .unknownProtocol)])
    }

    // MARK: Forwarding

    @Test("tunnel options need tunnel forwarding")
    func tunnelOptionsWithoutTunnel() throws {
        let problem = try #require(
            ConfigTesting.problem(
                """
                services:
                - name: a
                  clusterIPs: [198.51.100.1]
                  ports: [{port: 80}]
                  forwarding: direct-route
                  tunnel: {type: gre}
                """))
        #expect(problem.place == Place(6, 11, "services[0].tunnel", .notApplicable))
    }

    @Test(
        "tunnel options follow the kernel's encapsulation rules",
        arguments: [
            ("{type: gue}", Place(6, 11, "services[0].tunnel.port", .missingKey)),
            ("{type: ipip, port: 6080}", Place(6, 30, "services[0].tunnel.port", .notApplicable)),
            ("{port: 6080}", Place(6, 18, "services[0].tunnel.port", .notApplicable)),
            ("{type: gre, port: 6080}", Place(6, 29, "services[0].tunnel.port", .notApplicable)),
            ("{type: ipip, checksum: checksum}", Place(6, 34, "services[0].tunnel.checksum", .notApplicable)),
            ("{type: gre, checksum: remote-checksum}", Place(6, 33, "services[0].tunnel.checksum", .notApplicable)),
            ("{type: gue, port: 0}", Place(6, 29, "services[0].tunnel.port", .outOfRange)),
        ])
    func tunnelOptions(tunnel: String, place: Place) {
        #expect(
            places(
                """
                name: a
                clusterIPs: [198.51.100.1]
                ports: [{port: 80}]
                forwarding: tunnel
                tunnel: \(tunnel)
                """) == [place])
    }

    @Test("direct routing and tunnels cannot change the port", arguments: ["direct-route", "tunnel"])
    func untranslatedPorts(forwarding: String) throws {
        #expect(
            places(
                """
                name: a
                clusterIPs: [198.51.100.1]
                ports: [{port: 80, targetPort: 8080}, {port: 443, targetPort: 443}]
                forwarding: \(forwarding)
                firewallMark: {mark: 1, targetPort: 80}
                """) == [
                    Place(4, 34, "services[0].ports[0].targetPort", .notApplicable),
                    Place(6, 39, "services[0].firewallMark.targetPort", .notApplicable),
                ])
        #expect(
            isValid(
                """
                name: a
                clusterIPs: [198.51.100.1]
                ports: [{port: 443, targetPort: 443}]
                forwarding: \(forwarding)
                firewallMark: {mark: 1, targetPort: 0}
                """))
    }

    // MARK: Traffic policies

    @Test("healthCheckNodePort needs externalTrafficPolicy Local", arguments: ["Cluster", "PreferLocal"])
    func healthCheckNeedsLocal(policy: String) throws {
        let problem = try #require(
            ConfigTesting.problem(
                """
                services:
                - name: a
                  externalIPs: [203.0.113.1]
                  ports: [{port: 80}]
                  externalTrafficPolicy: \(policy)
                  healthCheckNodePort: 31000
                """))
        #expect(problem.place == Place(6, 24, "services[0].healthCheckNodePort", .notApplicable))
        #expect(problem.message.hasSuffix("(this service has \(policy))"))
    }

    @Test(
        "a policy that selects by node needs every endpoint's node",
        arguments: [
            ("internalTrafficPolicy: Local", "internalTrafficPolicy Local"),
            ("internalTrafficPolicy: PreferLocal", "internalTrafficPolicy PreferLocal"),
            ("externalTrafficPolicy: Local", "externalTrafficPolicy Local"),
            ("externalTrafficPolicy: PreferLocal", "externalTrafficPolicy PreferLocal"),
        ])
    func missingNode(policyLine: String, words: String) throws {
        let problem = try #require(
            ConfigTesting.problem(
                """
                services:
                - name: a
                  clusterIPs: [198.51.100.1]
                  ports: [{port: 80}]
                  \(policyLine)
                  endpoints:
                  - {address: 192.0.2.1, node: n1}
                  - {address: 192.0.2.2}
                """))
        #expect(problem.place == Place(8, 5, "services[0].endpoints[1].node", .missingNode))
        #expect(problem.message == "endpoint 192.0.2.2 has no node, but \(words) selects endpoints by node")
    }

    @Test("Cluster policies need no node; a wrong policy is not also a missing node")
    func nodeNotNeeded() {
        #expect(isValid("name: a\nclusterIPs: [198.51.100.1]\nports: [{port: 80}]\nendpoints: [{address: 192.0.2.1}]"))
        #expect(
            places(
                """
                name: a
                clusterIPs: [198.51.100.1]
                ports: [{port: 80}]
                internalTrafficPolicy: local
                endpoints: [{address: 192.0.2.1}]
                """) == [Place(5, 26, "services[0].internalTrafficPolicy", .invalidValue)])
    }

    // MARK: Virtual services

    @Test("virtual IPs without ports make no virtual service")
    func virtualIPsWithoutPorts() throws {
        for ports in ["", "\n  ports: []"] {
            let problem = try #require(ConfigTesting.problem("services:\n- name: a\n  clusterIPs: [198.51.100.1]\(ports)"))
            #expect(problem.place == Place(2, 3, "services[0].ports", .noVirtualService))
        }
    }

    @Test("a service with no VIP, node port or firewall mark is refused")
    func noVirtualServiceAtAll() throws {
        let problem = try #require(ConfigTesting.problem("services:\n- name: a\n  endpoints: [{address: 192.0.2.1}]"))
        #expect(problem.place == Place(2, 3, "services[0]", .noVirtualService))
    }

    @Test("ports that no virtual service uses are refused on a firewall-mark service")
    func unusedPorts() {
        #expect(
            places(
                """
                name: a
                firewallMark: {mark: 1}
                ports: [{port: 80}, {port: 81, nodePort: 30081}]
                """) == [Place(4, 11, "services[0].ports[0]", .notApplicable)])
    }

    @Test("a wrong node port is not also an unused port")
    func noCascadeFromNodePort() {
        #expect(places("name: a\nports: [{port: 80, nodePort: 0}]") == [Place(3, 32, "services[0].ports[0].nodePort", .outOfRange)])
    }

    // MARK: Distinct values within a service

    @Test("a VIP listed twice in one service is refused at the second")
    func repeatedVIP() throws {
        let problem = try #require(
            ConfigTesting.problem(
                """
                services:
                - name: a
                  clusterIPs: [198.51.100.1]
                  externalIPs: [198.51.100.1]
                  ports: [{port: 80}, {port: 81}]
                """))
        #expect(problem.place == Place(4, 17, "services[0].externalIPs[0]", .duplicateAddress))
        #expect(problem.message == "198.51.100.1 is already a virtual IP of this service (services[0].clusterIPs[0], line 3, column 16)")
    }

    @Test("a port and protocol twice, or a port name twice, are refused; another protocol is fine")
    func repeatedPorts() {
        #expect(
            places(
                """
                name: a
                clusterIPs: [198.51.100.1]
                ports:
                - {name: dns, port: 53, protocol: UDP}
                - {name: dns-tcp, port: 53, protocol: TCP}
                - {name: dns, port: 53, protocol: udp}
                """) == [
                    Place(7, 12, "services[0].ports[2].name", .duplicateName),
                    Place(7, 23, "services[0].ports[2].port", .duplicatePort),
                ])
    }

    @Test("an endpoint listed twice is refused at the second")
    func repeatedEndpoint() {
        #expect(
            places(
                """
                name: a
                clusterIPs: ["2001:db8::1"]
                ports: [{port: 80}]
                endpoints: [{address: "2001:db8::10"}, {address: "2001:db8:0::10", weight: 5}]
                """) == [Place(5, 52, "services[0].endpoints[1].address", .duplicateEndpoint)])
    }

    @Test("repeats in a long list are refused at each later one, naming the first", arguments: [3, 16, 17, 40])
    func repeatedEndpointsInALongList(count: Int) throws {
        // Lists of up to 16 are compared pairwise, longer ones through a dictionary: both alike.
        let endpoints = (0..<count).map { "  - {address: 192.0.2.\($0 % 2 == 0 && $0 > 1 ? 1 : $0 + 1)}" }
        let problems = ConfigTesting.problems(
            "services:\n- name: a\n  clusterIPs: [198.51.100.1]\n  ports: [{port: 80}]\n  endpoints:\n"
                + endpoints.joined(separator: "\n"))
        let repeats = (2..<count).filter { $0 % 2 == 0 }
        #expect(problems.map(\.place) == repeats.map { Place(6 + $0, 15, "services[0].endpoints[\($0)].address", .duplicateEndpoint) })
        #expect(problems.allSatisfy { $0.message.contains("(line 6, column 15)") }, "each names the first 192.0.2.1")
    }

    // MARK: Address families

    @Test("an endpoint of another family than every VIP needs a tunnel")
    func mixedFamilies() throws {
        let problem = try #require(
            ConfigTesting.problem(
                """
                services:
                - name: a
                  clusterIPs: [198.51.100.1]
                  ports: [{port: 80}]
                  endpoints: [{address: 192.0.2.1}, {address: "2001:db8::1"}]
                """))
        #expect(problem.place == Place(5, 47, "services[0].endpoints[1].address", .mixedFamilies))
        #expect(
            problem.message
                == "endpoint 2001:db8::1 is IPv6 but the service's virtual services are IPv4 only; the kernel mixes families only with forwarding: tunnel"
        )
    }

    @Test("dual-stack services and tunnels may have endpoints of both families")
    func familiesAllowed() {
        #expect(
            isValid(
                """
                name: a
                clusterIPs: [198.51.100.1, "2001:db8::1"]
                ports: [{port: 80}]
                endpoints: [{address: 192.0.2.1}, {address: "2001:db8::10"}]
                """))
        #expect(
            isValid(
                """
                name: a
                clusterIPs: [198.51.100.1]
                ports: [{port: 80}]
                forwarding: tunnel
                endpoints: [{address: 192.0.2.1}, {address: "2001:db8::10"}]
                """))
    }

    @Test("a firewall mark's family counts; so do the node addresses for node ports")
    func firewallMarkAndNodePortFamilies() {
        #expect(
            places(
                """
                name: a
                firewallMark: {mark: 1, family: IPv6}
                endpoints: [{address: 192.0.2.1}]
                """) == [Place(4, 25, "services[0].endpoints[0].address", .mixedFamilies)])
        let nodes = "nodes: {n1: {addresses: [192.0.2.101]}}\n"
        let endpointV6 = "services:\n- name: a\n  ports: [{port: 80, nodePort: 30080}]\n  endpoints: [{address: \"2001:db8::1\"}]"
        #expect(ConfigTesting.problems(nodes + endpointV6).map(\.code) == [.mixedFamilies])
        #expect(ConfigTesting.state(endpointV6) != nil, "no node addresses: no family to compare with")
    }

    @Test("an invalid VIP does not also make its service's endpoints mixed")
    func noCascadeFromAddresses() {
        #expect(
            places(
                """
                name: a
                clusterIPs: ["2001:db8::1::2"]
                ports: [{port: 80}]
                endpoints: [{address: "2001:db8::10"}]
                """) == [Place(3, 16, "services[0].clusterIPs[0]", .invalidAddress)])
    }

    @Test("a prefix length above 32 is refused when a virtual service is IPv4")
    func prefixLengthForIPv4() {
        #expect(
            places(
                """
                name: a
                clusterIPs: [198.51.100.1, "2001:db8::1"]
                ports: [{port: 80}]
                sessionAffinity: {prefixLength: 64}
                """) == [Place(5, 35, "services[0].sessionAffinity.prefixLength", .outOfRange)])
        #expect(
            isValid(
                """
                name: a
                clusterIPs: ["2001:db8::1"]
                ports: [{port: 80}]
                sessionAffinity: {prefixLength: 64}
                """))
    }
}
