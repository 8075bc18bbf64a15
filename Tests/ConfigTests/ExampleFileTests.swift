import Config
import IPVSCore
import Testing

/// The example files are documentation; these tests keep them true, to the last field.
struct ExampleFileTests {
    private func address(_ text: String) -> IPAddress { IPAddress(text)! }
    private func addresses(_ texts: String...) -> [IPAddress] { texts.map(address) }

    /// `service` with `check`, on the service and on each of its endpoints at `addresses`.
    private func checked(_ service: ServiceSpec, _ check: HealthCheck, endpoints addresses: String...) -> ServiceSpec {
        var service = service
        service.healthCheck = check
        service.endpoints = addresses.map { EndpointSpec(address: address($0), healthCheck: check) }
        return service
    }

    @Test("examples/basic.yaml loads to exactly the declared state")
    func basic() throws {
        let state = try ConfigLoader.load(contentsOf: ConfigTesting.example("basic.yaml"))
        let expected = DesiredState(
            node: nil,
            nodeAddresses: [
                "node-a": addresses("192.0.2.101", "2001:db8::101"),
                "node-b": addresses("192.0.2.102", "2001:db8::102"),
                "node-c": addresses("192.0.2.103"),
            ],
            interface: "ipvs0",
            services: [
                ServiceSpec(
                    name: "default/web",
                    clusterIPs: addresses("198.51.100.20"),
                    loadBalancerIPs: addresses("203.0.113.20"),
                    loadBalancerSourceRanges: [IPPrefix("198.51.100.128/25")!],
                    ports: [
                        ServicePort(name: "http", port: 80, targetPort: 8080),
                        ServicePort(name: "https", port: 443, targetPort: 8443, nodePort: 30443),
                    ],
                    scheduler: .weightedRoundRobin,
                    endpoints: [
                        EndpointSpec(address: address("192.0.2.11"), node: "node-a", zone: "z1", weight: 2),
                        EndpointSpec(address: address("192.0.2.12"), node: "node-b", zone: "z2"),
                        EndpointSpec(
                            address: address("192.0.2.13"), node: "node-c", zone: "z2",
                            ready: false, serving: true, terminating: true),
                    ],
                    drainSeconds: 30),
                ServiceSpec(
                    name: "monitoring/node-agent",
                    clusterIPs: addresses("198.51.100.30"),
                    ports: [ServicePort(name: "metrics", port: 9100)],
                    internalTrafficPolicy: .local,
                    endpoints: [
                        EndpointSpec(address: address("192.0.2.31"), node: "node-a"),
                        EndpointSpec(address: address("192.0.2.32"), node: "node-b"),
                        EndpointSpec(address: address("192.0.2.33"), node: "node-c"),
                    ]),
                ServiceSpec(
                    name: "default/cache",
                    clusterIPs: addresses("198.51.100.50"),
                    ports: [ServicePort(name: "redis", port: 6379)],
                    scheduler: .leastConnection,
                    sessionAffinity: SessionAffinity(timeoutSeconds: 600),
                    internalTrafficPolicy: .preferLocal,
                    endpoints: [
                        EndpointSpec(address: address("192.0.2.51"), node: "node-a"),
                        EndpointSpec(address: address("192.0.2.52"), node: "node-b"),
                    ]),
                ServiceSpec(
                    name: "kube-system/dns",
                    clusterIPs: addresses("198.51.100.10"),
                    ports: [
                        ServicePort(name: "dns", port: 53, protocol: .udp),
                        ServicePort(name: "dns-tcp", port: 53, protocol: .tcp),
                    ],
                    scheduler: .maglevHashing,
                    schedulerFlags: [.maglevFallback, .maglevPort],
                    endpoints: [
                        EndpointSpec(address: address("192.0.2.61"), node: "node-a"),
                        EndpointSpec(address: address("192.0.2.62"), node: "node-b"),
                    ]),
                ServiceSpec(
                    name: "logging/syslog",
                    clusterIPs: addresses("198.51.100.70"),
                    ports: [ServicePort(port: 514, protocol: .udp)],
                    scheduler: .sourceHashing,
                    schedulerFlags: .onePacket,
                    endpoints: [
                        EndpointSpec(address: address("192.0.2.71")),
                        EndpointSpec(address: address("192.0.2.72")),
                    ]),
                ServiceSpec(
                    name: "default/api",
                    clusterIPs: addresses("198.51.100.40", "2001:db8::40"),
                    externalIPs: addresses("203.0.113.40"),
                    ports: [ServicePort(name: "https", port: 443, targetPort: 8443, nodePort: 30040)],
                    externalTrafficPolicy: .local,
                    endpoints: [
                        EndpointSpec(address: address("192.0.2.41"), node: "node-a"),
                        EndpointSpec(address: address("2001:db8::41"), node: "node-a"),
                        EndpointSpec(address: address("192.0.2.42"), node: "node-b"),
                        EndpointSpec(address: address("2001:db8::42"), node: "node-b"),
                    ],
                    healthCheckNodePort: 31040),
            ],
            kernel: KernelSettings(
                timeouts: Timeouts(tcp: 900, tcpFin: 120, udp: 300),
                conntrack: true,
                expireNoDestinationConnections: true,
                expireQuiescentTemplates: true,
                connectionReuseMode: 1,
                strictARP: true))
        #expect(state.services.map(\.name) == expected.services.map(\.name))
        for (loaded, declared) in zip(state.services, expected.services) {
            #expect(loaded == declared, "service \(declared.name)")
        }
        #expect(state == expected)
    }

    @Test("examples/service-files loads to exactly the declared state: the config's services, then each file's in order")
    func serviceFiles() throws {
        let state = try ConfigLoader.load(contentsOf: ConfigTesting.example("service-files/config.yaml"))
        let search = { (name: String, vip: String, policy: TrafficPolicy, endpoints: [EndpointSpec]) in
            ServiceSpec(
                name: name, clusterIPs: self.addresses(vip), ports: [ServicePort(port: 80, targetPort: 8080)],
                scheduler: .maglevHashing, schedulerFlags: .maglevFallback, internalTrafficPolicy: policy, endpoints: endpoints)
        }
        let expected = DesiredState(
            nodeAddresses: ["node-a": addresses("192.0.2.11"), "node-b": addresses("192.0.2.12")],
            nodeZones: ["node-a": "zone-1", "node-b": "zone-2"],
            services: [
                ServiceSpec(
                    name: "infra/dns", clusterIPs: addresses("198.51.100.53"), ports: [ServicePort(port: 53, protocol: .udp)],
                    endpoints: [
                        EndpointSpec(address: address("10.1.0.53"), node: "node-a"),
                        EndpointSpec(address: address("10.2.0.53"), node: "node-b"),
                    ]),
                search(
                    "search/frontend", "198.51.100.20", .cluster,
                    [
                        EndpointSpec(address: address("10.1.0.20"), node: "node-a"),
                        EndpointSpec(address: address("10.2.0.20"), node: "node-b"),
                    ]),
                search("search/suggest", "198.51.100.21", .local, [EndpointSpec(address: address("10.1.0.21"), node: "node-a")]),
                ServiceSpec(
                    name: "shop/web", clusterIPs: addresses("198.51.100.10"), ports: [ServicePort(port: 443)],
                    endpoints: [
                        EndpointSpec(address: address("10.1.0.10"), node: "node-a"),
                        EndpointSpec(address: address("10.2.0.10"), node: "node-b", weight: 2),
                    ]),
            ])
        #expect(state == expected)
    }

    @Test("examples/firewall-mark.yaml loads to exactly the declared state")
    func firewallMark() throws {
        let state = try ConfigLoader.load(contentsOf: ConfigTesting.example("firewall-mark.yaml"))
        let expected = DesiredState(services: [
            ServiceSpec(
                name: "edge/port-range",
                firewallMark: FirewallMarkSpec(mark: 7, family: .inet, targetPort: 0),
                scheduler: .weightedLeastConnection,
                sessionAffinity: SessionAffinity(timeoutSeconds: 3600, prefixLength: 24),
                endpoints: [
                    EndpointSpec(address: address("192.0.2.81"), weight: 3),
                    EndpointSpec(address: address("192.0.2.82")),
                ]),
            ServiceSpec(
                name: "edge/direct-v6",
                firewallMark: FirewallMarkSpec(mark: 8, family: .inet6),
                forwarding: .directRoute,
                endpoints: [
                    EndpointSpec(address: address("2001:db8::91")),
                    EndpointSpec(address: address("2001:db8::92")),
                ]),
            ServiceSpec(
                name: "edge/tunnelled",
                firewallMark: FirewallMarkSpec(mark: 9),
                forwarding: .tunnel(Tunnel(kind: .gue, port: 6080, checksum: .checksum)),
                endpoints: [
                    EndpointSpec(address: address("192.0.2.95")),
                    EndpointSpec(address: address("2001:db8::95")),
                ]),
        ])
        #expect(state == expected)
    }

    @Test("examples/health-checks.yaml loads to exactly the declared state, every endpoint with its effective check")
    func healthChecks() throws {
        let state = try ConfigLoader.load(contentsOf: ConfigTesting.example("health-checks.yaml"))
        let web = HealthCheck(
            probe: .http(HealthCheck.HTTPProbe(path: "/healthz", host: "web.example.org", bodyContains: "ok")),
            interval: .seconds(2), timeout: .seconds(1), fall: 2)
        var canary = web
        canary.port = 8081
        canary.interval = .milliseconds(500)
        canary.timeout = .milliseconds(250)
        let api = HealthCheck(probe: .http(HealthCheck.HTTPProbe(secure: true, path: "/ready", expectedStatus: 204...204)), port: 9443)
        var verifiedAPI = api
        verifiedAPI.probe = .http(
            HealthCheck.HTTPProbe(
                secure: true, verification: .init(trustRoots: .system, serverName: "api.example.org"), path: "/ready",
                expectedStatus: 204...204))
        let dns = HealthCheck(probe: .udp(.dns(name: "cluster.example.org")), rise: 1)
        let ntp = HealthCheck(probe: .udp(.payload(send: [0x1B] + [UInt8](repeating: 0, count: 47), expect: nil)))
        let postgres = HealthCheck(
            probe: .exec(HealthCheck.ExecProbe(command: ["/usr/local/bin/check-postgres", "--max-lag=10"])),
            interval: .seconds(10), timeout: .seconds(5), initiallyHealthy: true)
        let portRange = HealthCheck(probe: .tcp, port: 8000, jitter: 0.3)
        let expected = DesiredState(services: [
            ServiceSpec(
                name: "default/web",
                clusterIPs: addresses("198.51.100.20"),
                ports: [ServicePort(name: "http", port: 80, targetPort: 8080)],
                endpoints: [
                    EndpointSpec(address: address("192.0.2.11"), healthCheck: web),
                    EndpointSpec(address: address("192.0.2.12"), healthCheck: web),
                    EndpointSpec(address: address("192.0.2.13"), healthCheck: canary),
                ],
                healthCheck: web,
                panicThreshold: 0.5),
            ServiceSpec(
                name: "default/api",
                clusterIPs: addresses("198.51.100.40"),
                ports: [ServicePort(port: 443, targetPort: 8443)],
                endpoints: [
                    EndpointSpec(address: address("192.0.2.41"), healthCheck: api),
                    EndpointSpec(address: address("192.0.2.42"), healthCheck: HealthCheck(probe: .tcp, port: 9443)),
                    EndpointSpec(address: address("192.0.2.43"), healthCheck: verifiedAPI),
                ],
                healthCheck: api),
            checked(
                ServiceSpec(
                    name: "kube-system/dns",
                    clusterIPs: addresses("198.51.100.10"),
                    ports: [
                        ServicePort(name: "dns", port: 53, protocol: .udp),
                        ServicePort(name: "dns-tcp", port: 53, protocol: .tcp),
                    ]), dns, endpoints: "192.0.2.61", "192.0.2.62"),
            checked(
                ServiceSpec(name: "infra/ntp", clusterIPs: addresses("198.51.100.60"), ports: [ServicePort(port: 123, protocol: .udp)]),
                ntp, endpoints: "192.0.2.65", "192.0.2.66"),
            checked(
                ServiceSpec(name: "data/postgres", clusterIPs: addresses("198.51.100.50"), ports: [ServicePort(port: 5432)]),
                postgres, endpoints: "192.0.2.51", "192.0.2.52"),
            checked(
                ServiceSpec(name: "edge/port-range", firewallMark: FirewallMarkSpec(mark: 7)),
                portRange, endpoints: "192.0.2.81", "192.0.2.82"),
            ServiceSpec(
                name: "default/legacy",
                clusterIPs: addresses("198.51.100.90"),
                ports: [ServicePort(port: 8080)],
                endpoints: [
                    EndpointSpec(address: address("192.0.2.91")),
                    EndpointSpec(
                        address: address("192.0.2.92"),
                        healthCheck: HealthCheck(probe: .http(HealthCheck.HTTPProbe(path: "/status")))),
                ]),
        ])
        #expect(state.services.map(\.name) == expected.services.map(\.name))
        for (loaded, declared) in zip(state.services, expected.services) {
            #expect(loaded == declared, "service \(declared.name)")
        }
        #expect(state == expected)
    }

    @Test("examples/invalid.yaml reports every deliberate mistake at its line and column")
    func invalid() {
        let path = ConfigTesting.example("invalid.yaml")
        var problems: [ConfigProblem] = []
        do {
            let state = try ConfigLoader.load(contentsOf: path)
            Issue.record("invalid.yaml loaded: \(state)")
        } catch {
            problems = error.problems
        }
        let expected: [Place] = [
            Place(4, 12, "interface", .invalidValue),
            Place(8, 19, "kernel.timeouts.tcp", .outOfRange),
            Place(9, 18, "kernel.connReuseMode", .outOfRange),
            Place(12, 5, "services[0].clusterIP", .unknownKey),
            Place(13, 33, "services[0].clusterIPs[1]", .invalidAddress),
            Place(16, 27, "services[0].ports[1].port", .outOfRange),
            Place(17, 43, "services[0].ports[2].protocol", .unknownProtocol),
            Place(18, 34, "services[0].ports[3].port", .duplicatePort),
            Place(19, 35, "services[0].scheduler.flags[0]", .notApplicable),
            Place(19, 44, "services[0].scheduler.flags[1]", .unknownFlag),
            Place(21, 39, "services[0].endpoints[0].weight", .outOfRange),
            Place(21, 58, "services[0].endpoints[0].ready", .wrongType),
            Place(23, 11, "services[1].name", .duplicateName),
            Place(24, 18, "services[1].clusterIPs[0]", .duplicateVirtualService),
            Place(28, 9, "services[1].endpoints[0].node", .missingNode),
            Place(29, 19, "services[1].endpoints[1].address", .mixedFamilies),
            Place(34, 16, "services[2].scheduler", .unknownScheduler),
            Place(35, 28, "services[2].externalTrafficPolicy", .invalidValue),
            Place(37, 13, "services[2].tunnel.port", .missingKey),
            Place(39, 37, "services[2].endpoints[0].node", .unknownNode),
            Place(44, 21, "services[3].panicThreshold", .outOfRange),
            Place(47, 13, "services[3].healthCheck.path", .notApplicable),
            Place(49, 23, "services[3].healthCheck.timeoutSeconds", .outOfRange),
            Place(51, 44, "services[3].endpoints[0].healthCheck.send", .missingKey),
        ]
        #expect(problems.map(\.place) == expected)
        #expect(problems.allSatisfy { $0.file == path })
        #expect(
            problems.map(\.description).contains(
                "\(path):16:27: services[0].ports[1].port: port 70000 is out of range 1...65535"))
    }

    @Test("examples/fleet.yaml gives each node what its comments promise, and the lab's ranges", arguments: ["node-a", "node-b", "node-c"])
    func fleet(node: String) throws {
        let state = try ConfigLoader.load(contentsOf: ConfigTesting.example("fleet.yaml"))
        let ownRanges = [
            "node-a": ["203.0.113.0/27", "198.51.100.128/28"], "node-b": ["203.0.113.32/27", "198.51.100.144/28"],
            "node-c": ["203.0.113.64/27", "198.51.100.160/28"],
        ][node]!
        #expect(state.nodePodCIDRs[node] == ownRanges.map { IPPrefix($0)! })
        #expect(state.clusterCIDRs.map(\.description) == ["203.0.113.0/25", "198.51.100.128/25"])
        // The ranges hold every backend and client the lab gives the node, and no virtual IP.
        for service in state.services {
            for endpoint in service.endpoints where endpoint.node == node {
                #expect(state.nodePodCIDRs[node]?.contains { $0.contains(endpoint.address) } == true, "\(endpoint.address)")
            }
            for vip in service.clusterIPs + service.externalIPs {
                #expect(!state.clusterCIDRs.contains { $0.contains(vip) }, "\(vip)")
            }
        }
        let selected = EndpointSelection.select(state, node: node)
        func realServers(_ service: String, _ scope: TrafficPolicyScope) -> [String]? {
            selected.virtualServices.first { $0.origin.serviceName == service && $0.origin.scope == scope }
                .map { $0.realServers.map(\.address.description).sorted() }
        }
        let ownCollector = ["node-a": "203.0.113.2", "node-b": "203.0.113.34", "node-c": "203.0.113.66"][node]!
        #expect(realServers("monitoring/collector", .internal) == [ownCollector])
        #expect(realServers("monitoring/collector-nearby", .internal) == [ownCollector])
        #expect(realServers("default/web", .internal) == ["203.0.113.38", "203.0.113.6", "203.0.113.70"])
        #expect(realServers("default/shop", .internal) == ["203.0.113.38", "203.0.113.6"])
        let ownShop = ["node-a": ["203.0.113.6"], "node-b": ["203.0.113.38"], "node-c": []][node]!
        #expect(realServers("default/shop", .external) == ownShop)
        let shopExternal = selected.virtualServices.first { $0.origin.serviceName == "default/shop" && $0.origin.scope == .external }
        #expect(shopExternal?.outcome == (node == "node-c" ? .blackholed : .served))
    }
}
