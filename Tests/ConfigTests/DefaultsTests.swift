import Config
import IPVSCore
import Testing

/// What the format fills in when a key is left out, and the short forms it accepts.
struct DefaultsTests {
    @Test("a minimal service gets every documented default")
    func minimalService() throws {
        let service = try #require(
            ConfigTesting.service(
                """
                name: web
                clusterIPs: [198.51.100.1]
                ports: [{port: 80}]
                endpoints: [{address: 192.0.2.1}]
                """))
        #expect(service.scheduler == .roundRobin)
        #expect(service.schedulerFlags == [])
        #expect(service.forwarding == .masquerade)
        #expect(service.sessionAffinity == nil)
        #expect(service.internalTrafficPolicy == .cluster)
        #expect(service.externalTrafficPolicy == .cluster)
        #expect(service.firewallMark == nil)
        #expect(service.drainSeconds == nil)
        #expect(service.healthCheckNodePort == nil)
        #expect(service.ports == [ServicePort(name: nil, port: 80, targetPort: 80, protocol: .tcp, nodePort: nil)])
        #expect(
            service.endpoints == [
                EndpointSpec(
                    address: IPAddress("192.0.2.1")!, node: nil, zone: nil, ready: true, serving: true, terminating: false, weight: 1)
            ])
    }

    @Test("writing every default out gives the same state as leaving it out")
    func explicitDefaultsRoundTrip() throws {
        let implicit = try #require(
            ConfigTesting.state(
                """
                services:
                - name: web
                  clusterIPs: [198.51.100.1]
                  ports: [{port: 80}]
                  endpoints: [{address: 192.0.2.1}]
                """))
        let explicit = try #require(
            ConfigTesting.state(
                """
                interface: ipvs0
                nodes: {}
                kernel: {}
                services:
                - name: web
                  clusterIPs: [198.51.100.1]
                  externalIPs: []
                  loadBalancerIPs: []
                  ports: [{port: 80, targetPort: 80, protocol: TCP}]
                  scheduler: {name: rr, flags: []}
                  forwarding: masquerade
                  sessionAffinity: None
                  internalTrafficPolicy: Cluster
                  externalTrafficPolicy: Cluster
                  endpoints: [{address: 192.0.2.1, ready: true, serving: true, terminating: false, weight: 1}]
                """))
        #expect(explicit == implicit)
        #expect(
            implicit
                == DesiredState(services: [
                    ServiceSpec(
                        name: "web", clusterIPs: [IPAddress("198.51.100.1")!], ports: [ServicePort(port: 80)],
                        endpoints: [EndpointSpec(address: IPAddress("192.0.2.1")!)])
                ]))
    }

    @Test("an empty service list is valid and gives the default document")
    func emptyServices() throws {
        let state = try #require(ConfigTesting.state("services: []"))
        #expect(state == DesiredState())
        #expect(state.interface == DesiredState.defaultInterface)
        #expect(state.node == nil)
        #expect(state.kernel == KernelSettings())
    }

    @Test("serving defaults to ready, as in Kubernetes")
    func servingFollowsReady() throws {
        let service = try #require(
            ConfigTesting.service(
                """
                name: web
                clusterIPs: [198.51.100.1]
                ports: [{port: 80}]
                endpoints: [{address: 192.0.2.1, ready: false}, {address: 192.0.2.2, ready: false, serving: true}]
                """))
        #expect(service.endpoints.map(\.serving) == [false, true])
        #expect(service.endpoints.map(\.ready) == [false, false])
    }

    @Test("the scheduler's short form is its mapping form without flags")
    func schedulerShortForm() throws {
        let short = try #require(ConfigTesting.service("name: a\nclusterIPs: [198.51.100.1]\nports: [{port: 80}]\nscheduler: sh"))
        let long = try #require(ConfigTesting.service("name: a\nclusterIPs: [198.51.100.1]\nports: [{port: 80}]\nscheduler: {name: sh}"))
        #expect(short == long)
        #expect(short.scheduler == .sourceHashing)
    }

    @Test(
        "scheduler flags map to the kernel's flag constants",
        arguments: [
            ("sh", "sh-fallback", ServiceFlags.sourceHashFallback),
            ("sh", "sh-port", ServiceFlags.sourceHashPort),
            ("mh", "mh-fallback", ServiceFlags.maglevFallback),
            ("mh", "mh-port", ServiceFlags.maglevPort),
            ("rr", "flag-1", ServiceFlags.scheduler1),
            ("wlc", "flag-2", ServiceFlags.scheduler2),
            ("mh", "flag-3", ServiceFlags.scheduler3),
        ])
    func flagBits(scheduler: String, flag: String, bits: ServiceFlags) throws {
        let service = try #require(
            ConfigTesting.service(
                """
                name: a
                clusterIPs: [198.51.100.1]
                ports: [{port: 80}]
                scheduler: {name: \(scheduler), flags: [\(flag)]}
                """))
        #expect(service.schedulerFlags == bits)
        #expect(!service.schedulerFlags.contains(.persistent))
    }

    @Test("one-packet on a UDP-only service sets IP_VS_SVC_F_ONEPACKET")
    func onePacket() throws {
        let service = try #require(
            ConfigTesting.service(
                """
                name: a
                clusterIPs: [198.51.100.1]
                ports: [{port: 514, protocol: UDP}, {port: 515, protocol: UDP}]
                scheduler: {name: rr, flags: [one-packet]}
                """))
        #expect(service.schedulerFlags == .onePacket)
    }

    @Test(
        "session affinity: None, ClientIP, and a mapping with its defaults",
        arguments: [
            ("None", nil),
            ("ClientIP", SessionAffinity(timeoutSeconds: 10800)),
            ("{}", SessionAffinity(timeoutSeconds: 10800)),
            ("{timeoutSeconds: 60}", SessionAffinity(timeoutSeconds: 60)),
            ("{timeoutSeconds: 86400, prefixLength: 24}", SessionAffinity(timeoutSeconds: 86400, prefixLength: 24)),
        ] as [(String, SessionAffinity?)])
    func sessionAffinity(written: String, expected: SessionAffinity?) throws {
        let service = try #require(
            ConfigTesting.service(
                """
                name: a
                clusterIPs: [198.51.100.1]
                ports: [{port: 80}]
                sessionAffinity: \(written)
                """))
        #expect(service.sessionAffinity == expected)
    }

    @Test(
        "forwarding and tunnel options map to ForwardingMethod",
        arguments: [
            ("forwarding: masquerade", ForwardingMethod.masquerade),
            ("forwarding: direct-route", .directRoute),
            ("forwarding: tunnel", .tunnel(.ipip)),
            ("forwarding: tunnel\ntunnel: {type: ipip}", .tunnel(.ipip)),
            ("forwarding: tunnel\ntunnel: {type: gue, port: 6080}", .tunnel(Tunnel(kind: .gue, port: 6080))),
            (
                "forwarding: tunnel\ntunnel: {type: gue, port: 6080, checksum: remote-checksum}",
                .tunnel(Tunnel(kind: .gue, port: 6080, checksum: .remoteChecksum))
            ),
            ("forwarding: tunnel\ntunnel: {type: gre, checksum: checksum}", .tunnel(Tunnel(kind: .gre, checksum: .checksum))),
            ("forwarding: tunnel\ntunnel: {type: gre, checksum: none}", .tunnel(Tunnel(kind: .gre))),
        ])
    func forwarding(written: String, expected: ForwardingMethod) throws {
        let service = try #require(
            ConfigTesting.service(
                """
                name: a
                clusterIPs: [198.51.100.1]
                ports: [{port: 80}]
                \(written)
                """))
        #expect(service.forwarding == expected)
    }

    @Test("protocols are accepted in any case", arguments: ["udp", "UDP", "Udp"])
    func protocolCase(written: String) throws {
        let service = try #require(ConfigTesting.service("name: a\nclusterIPs: [198.51.100.1]\nports: [{port: 53, protocol: \(written)}]"))
        #expect(service.ports.first?.protocol == .udp)
    }

    @Test("kernel settings map to KernelSettings; a timeout left out is 0, which keeps the kernel's")
    func kernelSettings() throws {
        let state = try #require(
            ConfigTesting.state(
                """
                kernel:
                  timeouts: {tcpFin: 30}
                  conntrack: false
                  expireNoDestConn: yes
                  connReuseMode: 0
                services: []
                """))
        #expect(
            state.kernel
                == KernelSettings(
                    timeouts: Timeouts(tcp: 0, tcpFin: 30, udp: 0), conntrack: false,
                    expireNoDestinationConnections: true, expireQuiescentTemplates: nil, connectionReuseMode: 0))
        let none = try #require(ConfigTesting.state("kernel: {timeouts: {}}\nservices: []"))
        #expect(none.kernel.timeouts == nil)
    }

    @Test("node, interface and nodes map to the document's fields")
    func documentFields() throws {
        let state = try #require(
            ConfigTesting.state(
                """
                node: node-a
                interface: lb-vips
                nodes:
                  node-a: {addresses: [192.0.2.101, "2001:db8::101"]}
                  node-b: {addresses: []}
                services: []
                """))
        #expect(state.node == "node-a")
        #expect(state.interface == "lb-vips")
        #expect(state.nodeAddresses == ["node-a": [IPAddress("192.0.2.101")!, IPAddress("2001:db8::101")!], "node-b": []])
    }

    @Test("null and an empty value mean the key is not given")
    func nullIsAbsent() throws {
        let service = try #require(
            ConfigTesting.service(
                """
                name: a
                clusterIPs: [198.51.100.1]
                externalIPs:
                loadBalancerIPs: ~
                ports: [{port: 80, targetPort: null}]
                scheduler: null
                """))
        #expect(service.externalIPs == [])
        #expect(service.loadBalancerIPs == [])
        #expect(service.ports.first?.targetPort == 80)
        #expect(service.scheduler == .roundRobin)
    }

    @Test("names that YAML reads as numbers keep their text")
    func numericNames() throws {
        let service = try #require(ConfigTesting.service("name: 1234\nclusterIPs: [198.51.100.1]\nports: [{port: 80, name: 8080}]"))
        #expect(service.name == "1234")
        #expect(service.ports.first?.name == "8080")
    }

    @Test("YAML anchors and merge keys share settings; x- keys at the top hold them")
    func mergeKeys() throws {
        let state = try #require(
            ConfigTesting.state(
                """
                x-defaults: &defaults
                  scheduler: {name: mh, flags: [mh-fallback]}
                  internalTrafficPolicy: PreferLocal
                  ports: [{port: 80}]
                services:
                - <<: *defaults
                  name: a
                  clusterIPs: [198.51.100.1]
                - <<: *defaults
                  name: b
                  clusterIPs: [198.51.100.2]
                  internalTrafficPolicy: Cluster
                """))
        #expect(state.services.map(\.scheduler) == [.maglevHashing, .maglevHashing])
        #expect(state.services.map(\.schedulerFlags) == [.maglevFallback, .maglevFallback])
        #expect(state.services.map(\.internalTrafficPolicy) == [.preferLocal, .cluster])
        #expect(state.services.map(\.ports) == [[ServicePort(port: 80)], [ServicePort(port: 80)]])
    }

    @Test("a firewall-mark service defaults to IPv4 and keeps the packet's port")
    func firewallMarkDefaults() throws {
        let service = try #require(ConfigTesting.service("name: a\nfirewallMark: {mark: 4294967295}"))
        #expect(service.firewallMark == FirewallMarkSpec(mark: 4_294_967_295, family: .inet, targetPort: 0))
    }

    @Test("a node-port-only service is valid")
    func nodePortOnly() throws {
        let service = try #require(ConfigTesting.service("name: a\nports: [{port: 80, nodePort: 30080}]"))
        #expect(service.ports == [ServicePort(port: 80, nodePort: 30080)])
    }
}
