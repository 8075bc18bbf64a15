import IPVSCore
import KubernetesAPI
import KubernetesMapping
import Testing

/// The realistic fixtures, decoded and mapped, then selected on node-a.
struct FixtureMappingTests {
    static func mapped() throws -> MappingResult {
        let services = try Build.decode(ObjectList<KubernetesService>.self, Fixtures.serviceList).items
        let slices = try Build.decode(ObjectList<EndpointSlice>.self, Fixtures.sliceList).items
        let node = try Build.decode(KubernetesNode.self, Fixtures.node)
        return KubernetesMapping.map(
            ClusterSnapshot(services: services, slices: slices, node: node), nodeName: "node-a",
            base: DesiredState(interface: "kube-ipvs0"))
    }

    @Test("services, VIPs, policies and what was left out")
    func services() throws {
        let result = try Self.mapped()
        #expect(result.state.interface == "kube-ipvs0")
        #expect(result.state.services.map(\.name) == ["kube-system/dns", "shop/web"])
        let web = try #require(result.service("shop/web"))
        #expect(web.clusterIPs == [Build.ip("10.96.12.34"), Build.ip("fd00:10:96::1234")])
        #expect(web.loadBalancerIPs == [Build.ip("203.0.113.10")])
        #expect(web.externalTrafficPolicy == .local)
        #expect(web.internalTrafficPolicy == .cluster)
        #expect(web.healthCheckNodePort == 32000)
        #expect(web.sessionAffinity == SessionAffinity(timeoutSeconds: 600))
        #expect(web.scheduler == .maglevHashing)
        #expect(web.schedulerFlags == [.maglevFallback, .maglevPort])
        #expect(web.trafficDistribution == nil)
        #expect(web.ports.map(\.nodePort) == [30080, 30443])
        let dns = try #require(result.service("kube-system/dns"))
        #expect(dns.internalTrafficPolicy == .local)
        #expect(dns.externalIPs == [Build.ip("198.51.100.53")])
        #expect(dns.ports.map(\.protocol) == [.udp, .tcp])
        #expect(result.skipped("shop/db") == [.headless])
        #expect(result.skipped("shop/upstream") == [.externalName])
        #expect(result.skipped("shop/web-fqdn") == [.fqdnAddresses])
        #expect(result.skipped("shop/web") == [.proxyModeIngress("203.0.113.11")])
        #expect(result.skipped.allSatisfy { !$0.reason.isProblem })
        #expect(result.annotationProblems.isEmpty)
    }

    @Test("endpoints: first address, conditions, hints, per-port numbers from the slices")
    func endpoints() throws {
        let web = try #require(try Self.mapped().service("shop/web"))
        #expect(web.endpoints.count == 3)
        let local = try #require(web.endpoints.first { $0.address == Build.ip("10.244.1.5") })
        #expect(local.targetPorts == ["http": 8080, "https": 8443])
        #expect(local.hints == TopologyHints(forNodes: ["node-a"], forZones: ["zone-1"]))
        #expect(local.node == "node-a" && local.zone == "zone-1")
        let leaving = try #require(web.endpoints.first { $0.address == Build.ip("10.244.2.7") })
        #expect(!leaving.ready && leaving.serving && leaving.terminating)
        let v6 = try #require(web.endpoints.first { $0.address.family == .inet6 })
        #expect(v6.ready && v6.serving && !v6.terminating)
        #expect(v6.targetPorts == ["http": 8080])
    }

    @Test("node-a's addresses, zone and pod ranges; what it programs")
    func selected() throws {
        let result = try Self.mapped()
        #expect(result.state.nodeAddresses["node-a"] == [Build.ip("192.0.2.21"), Build.ip("2001:db8::21"), Build.ip("203.0.113.21")])
        #expect(result.state.nodeZones["node-a"] == "zone-1")
        #expect(result.state.nodePodCIDRs == ["node-a": [IPPrefix("10.244.1.0/24")!, IPPrefix("fd00:10:244:1::/64")!]])
        let kernel = EndpointSelection.select(result.state, node: "node-a")
        func servers(_ address: String, _ port: UInt16, _ proto: TransportProtocol = .tcp) -> [String] {
            kernel.virtualServices.first { $0.service.key == .address(Build.ip(address), port: port, protocol: proto) }?
                .realServers.map { "\($0.key)" } ?? ["missing"]
        }
        // Cluster policy, every ready endpoint hinted for a node, one for node-a: node-a's.
        #expect(servers("10.96.12.34", 80) == ["10.244.1.5:8080"])
        #expect(servers("10.96.12.34", 443) == ["10.244.1.5:8443"])
        #expect(servers("fd00:10:96::1234", 80) == ["[fd00:10:244:1::5]:8080"])
        #expect(servers("fd00:10:96::1234", 443) == [])
        // ETP Local: node ports and the LB VIP get node-a's endpoints.
        #expect(servers("192.0.2.21", 30080) == ["10.244.1.5:8080"])
        #expect(servers("203.0.113.21", 30443) == ["10.244.1.5:8443"])
        #expect(servers("203.0.113.10", 443) == ["10.244.1.5:8443"])
        // ITP Local for the DNS cluster IP; external IP with Cluster.
        #expect(servers("10.96.0.10", 53, .udp) == ["10.244.1.2:53"])
        #expect(servers("198.51.100.53", 53, .udp) == ["10.244.1.2:53", "10.244.2.2:53"])
        #expect(kernel.addresses.contains(Build.ip("203.0.113.10")))
        #expect(!kernel.addresses.contains(Build.ip("203.0.113.11")))
    }
}
