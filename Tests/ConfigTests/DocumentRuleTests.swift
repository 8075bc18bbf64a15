import Config
import Testing

/// Rules across services: names, virtual services, node ports, health ports and node names.
struct DocumentRuleTests {
    @Test("two services with one name are refused at the second")
    func duplicateServiceName() throws {
        let problem = try #require(
            ConfigTesting.problem(
                """
                services:
                - name: web
                  clusterIPs: [198.51.100.1]
                  ports: [{port: 80}]
                - name: web
                  clusterIPs: [198.51.100.2]
                  ports: [{port: 80}]
                """))
        #expect(problem.place == Place(5, 9, "services[1].name", .duplicateName))
        #expect(problem.message == "service name 'web' is already used (line 2, column 9)")
    }

    @Test("the same VIP, port and protocol in two services is refused at the second VIP")
    func duplicateVirtualService() throws {
        let problem = try #require(
            ConfigTesting.problem(
                """
                services:
                - name: a
                  clusterIPs: [198.51.100.1]
                  ports: [{port: 80}]
                - name: b
                  externalIPs: [203.0.113.1, 198.51.100.1]
                  ports: [{port: 443}, {port: 80}]
                """))
        #expect(problem.place == Place(6, 30, "services[1].externalIPs[1]", .duplicateVirtualService))
        #expect(problem.message == "TCP 198.51.100.1:80 is already declared by service 'a' (line 3, column 16)")
    }

    @Test("the same VIP with another port or protocol is another virtual service")
    func distinctVirtualServices() {
        #expect(
            ConfigTesting.state(
                """
                services:
                - name: a
                  clusterIPs: [198.51.100.1]
                  ports: [{port: 80}]
                - name: b
                  clusterIPs: [198.51.100.1]
                  ports: [{port: 81}, {port: 80, protocol: UDP}, {port: 80, protocol: SCTP}]
                """)?.services.count == 2)
    }

    @Test("a firewall mark is one virtual service per family")
    func duplicateFirewallMark() {
        let problems = ConfigTesting.problems(
            """
            services:
            - name: a
              firewallMark: {mark: 7}
            - name: b
              firewallMark: {mark: 7, family: IPv6}
            - name: c
              firewallMark: {mark: 7, family: IPv4}
            """)
        #expect(problems.map(\.place) == [Place(7, 24, "services[2].firewallMark.mark", .duplicateVirtualService)])
        #expect(problems.first?.message == "FWM 7 is already declared by service 'a' (line 3, column 24)")
    }

    @Test("a node port is used once per protocol across services")
    func duplicateNodePort() throws {
        let problem = try #require(
            ConfigTesting.problem(
                """
                services:
                - name: a
                  ports: [{port: 80, nodePort: 30080}, {port: 53, protocol: UDP, nodePort: 30053}]
                - name: b
                  ports: [{port: 53, nodePort: 30053}, {port: 81, nodePort: 30080}]
                """))
        #expect(problem.place == Place(5, 61, "services[1].ports[1].nodePort", .duplicateVirtualService))
        #expect(problem.message == "nodePort 30080/TCP is already used by service 'a' (line 3, column 32)")
    }

    @Test("a node port on a node's address collides with a VIP that is that address")
    func nodePortCollidesWithVIP() throws {
        let problem = try #require(
            ConfigTesting.problem(
                """
                nodes: {n1: {addresses: [192.0.2.101]}}
                services:
                - name: a
                  externalIPs: [192.0.2.101]
                  ports: [{port: 30080}]
                - name: b
                  ports: [{port: 80, nodePort: 30080}]
                """))
        #expect(problem.place == Place(7, 32, "services[1].ports[0].nodePort", .duplicateVirtualService))
        #expect(problem.message == "TCP 192.0.2.101:30080 is already declared by service 'a' (line 4, column 17)")
    }

    @Test("health-check ports are distinct and apart from TCP node ports")
    func healthCheckPorts() {
        let problems = ConfigTesting.problems(
            """
            services:
            - name: a
              externalIPs: [203.0.113.1]
              ports: [{port: 80, nodePort: 30080}]
              externalTrafficPolicy: Local
              healthCheckNodePort: 31000
            - name: b
              externalIPs: [203.0.113.2]
              ports: [{port: 80}]
              externalTrafficPolicy: Local
              healthCheckNodePort: 31000
            - name: c
              externalIPs: [203.0.113.3]
              ports: [{port: 80}]
              externalTrafficPolicy: Local
              healthCheckNodePort: 30080
            """)
        #expect(
            problems.map(\.place) == [
                Place(11, 24, "services[1].healthCheckNodePort", .duplicatePort),
                Place(16, 24, "services[2].healthCheckNodePort", .duplicatePort),
            ])
        #expect(
            problems.map(\.message) == [
                "healthCheckNodePort 31000 is already used by service 'a' (line 6, column 24)",
                "healthCheckNodePort 30080 is a TCP nodePort of service 'a' (line 4, column 32)",
            ])
    }

    @Test("when nodes lists the fleet, every node name must be one of them")
    func unknownNodes() {
        let problems = ConfigTesting.problems(
            """
            node: node-c
            nodes:
              node-a: {addresses: [192.0.2.101]}
              node-b: {addresses: [192.0.2.102]}
            services:
            - name: a
              clusterIPs: [198.51.100.1]
              ports: [{port: 80}]
              endpoints: [{address: 192.0.2.1, node: node-a}, {address: 192.0.2.2, node: node-x}]
            """)
        #expect(
            problems.map(\.place) == [
                Place(1, 7, "node", .unknownNode),
                Place(9, 78, "services[0].endpoints[1].node", .unknownNode),
            ])
        #expect(problems.last?.message == "node 'node-x' is not listed in nodes (node-a, node-b)")
    }

    @Test("without nodes, node names are not checked")
    func nodesNotListed() {
        #expect(
            ConfigTesting.state(
                """
                node: node-c
                services:
                - name: a
                  clusterIPs: [198.51.100.1]
                  ports: [{port: 80}]
                  internalTrafficPolicy: Local
                  endpoints: [{address: 192.0.2.1, node: node-x}]
                """)?.node == "node-c")
    }

    @Test("a node address belongs to one node")
    func duplicateNodeAddress() {
        #expect(
            ConfigTesting.problems(
                """
                nodes:
                  node-a: {addresses: [192.0.2.101]}
                  node-b: {addresses: [192.0.2.102, 192.0.2.101]}
                services: []
                """
            ).map(\.place) == [Place(3, 37, "nodes[\"node-b\"].addresses[1]", .duplicateAddress)])
    }
}
