import IPVSCore
import Testing

/// The packet path's decision table (docs/packet-path.md): which virtual services masquerade
/// which clients, which load balancers drop whom, and the table's minimal changes.
struct PacketPathTests {
    static let clusterIP = IPAddress("198.51.100.10")!
    static let external = IPAddress("203.0.113.10")!
    static let balancer = IPAddress("203.0.113.20")!
    static let nodeA = IPAddress("192.0.2.1")!

    static func endpoint(_ last: UInt8, node: String) -> EndpointSpec {
        EndpointSpec(address: .v4(IPv4Address(10, 244, 0, last)), node: node)
    }

    static func state(
        internal internalPolicy: TrafficPolicy = .cluster, external externalPolicy: TrafficPolicy = .cluster,
        forwarding: ForwardingMethod = .masquerade, clusterCIDRs: [String] = [], podCIDRs: [String]? = nil,
        sourceRanges: [String] = [], nodePort: UInt16? = nil
    ) -> DesiredState {
        DesiredState(
            nodeAddresses: ["a": [nodeA]], clusterCIDRs: clusterCIDRs.map { IPPrefix($0)! },
            nodePodCIDRs: podCIDRs.map { ["a": $0.map { IPPrefix($0)! }] } ?? [:],
            services: [
                ServiceSpec(
                    name: "default/web", clusterIPs: [clusterIP], externalIPs: [external], loadBalancerIPs: [balancer],
                    loadBalancerSourceRanges: sourceRanges.map { IPPrefix($0)! },
                    ports: [ServicePort(name: "http", port: 80, targetPort: 8080, protocol: .tcp, nodePort: nodePort)],
                    forwarding: forwarding, internalTrafficPolicy: internalPolicy, externalTrafficPolicy: externalPolicy,
                    endpoints: [endpoint(1, node: "a"), endpoint(2, node: "b")])
            ])
    }

    static func filter(_ state: DesiredState, node: String = "a") -> DesiredPacketFilter {
        PacketPathPolicy.desired(state, kernel: EndpointSelection.select(state, node: node), node: node)
    }

    static func elements(_ filter: DesiredPacketFilter, _ set: PacketFilterSet) -> Set<PacketFilterElement> {
        filter.elements[PacketFilterSetID(set, .inet)] ?? []
    }

    @Test(
        "external addresses masquerade under Cluster and PreferLocal, never under Local",
        arguments: [
            (TrafficPolicy.cluster, true), (.preferLocal, true), (.local, false),
        ])
    func externalPolicy(policy: TrafficPolicy, masquerades: Bool) {
        let filter = Self.filter(Self.state(external: policy, nodePort: 30080))
        let expected: Set<PacketFilterElement> =
            masquerades
            ? [.service(Self.external, .tcp, 80), .service(Self.balancer, .tcp, 80), .service(Self.nodeA, .tcp, 30080)] : []
        #expect(Self.elements(filter, .externalCluster) == expected)
        #expect(filter.masquerades == masquerades || !Self.elements(filter, .hairpin).isEmpty)
    }

    @Test("cluster IPs masquerade clients outside the local sources, only when those are known; node pod ranges win over the cluster's")
    func clusterIPs() {
        #expect(Self.elements(Self.filter(Self.state()), .clusterIPs).isEmpty)
        #expect(Self.elements(Self.filter(Self.state()), .localSources).isEmpty)

        let withCluster = Self.filter(Self.state(internal: .local, clusterCIDRs: ["10.244.0.0/16"]))
        #expect(Self.elements(withCluster, .clusterIPs) == [.service(Self.clusterIP, .tcp, 80)])
        #expect(Self.elements(withCluster, .localSources) == [.range(IPPrefix("10.244.0.0/16")!)])

        let withNode = Self.filter(
            Self.state(clusterCIDRs: ["10.244.0.0/16"], podCIDRs: ["10.244.0.0/24", "10.244.0.0/25", "198.51.100.130"]))
        #expect(
            Self.elements(withNode, .localSources) == [.range(IPPrefix("10.244.0.0/24")!), .range(IPPrefix("198.51.100.130")!)],
            "the node's own ranges, a range inside another left out (an interval set refuses overlaps)")
        let otherNode = Self.filter(Self.state(clusterCIDRs: ["10.244.0.0/16"], podCIDRs: ["10.244.0.0/24"]), node: "b")
        #expect(Self.elements(otherNode, .localSources) == [.range(IPPrefix("10.244.0.0/16")!)], "b has no pod ranges of its own")
    }

    @Test("hairpin: this node's masqueraded endpoints only")
    func hairpin() {
        #expect(Self.elements(Self.filter(Self.state()), .hairpin) == [.addressPair(IPAddress("10.244.0.1")!)])
        #expect(Self.elements(Self.filter(Self.state(), node: "b"), .hairpin) == [.addressPair(IPAddress("10.244.0.2")!)])
    }

    @Test("direct routing and tunnels keep the client's address: nothing to masquerade")
    func directRouting() {
        let filter = Self.filter(Self.state(forwarding: .directRoute, clusterCIDRs: ["10.244.0.0/16"]))
        #expect(!filter.masquerades)
        #expect(Self.elements(filter, .externalCluster).isEmpty && Self.elements(filter, .clusterIPs).isEmpty)
    }

    @Test("source ranges guard the load-balancer addresses only, per family, with contained ranges folded")
    func sourceRanges() {
        let filter = Self.filter(Self.state(external: .local, sourceRanges: ["192.0.2.0/24", "192.0.2.128/25", "2001:db8::/32"]))
        #expect(Self.elements(filter, .guardedLoadBalancers) == [.service(Self.balancer, .tcp, 80)])
        #expect(Self.elements(filter, .allowedSources) == [.serviceSource(Self.balancer, .tcp, 80, IPPrefix("192.0.2.0/24")!)])
        #expect(filter.elements[PacketFilterSetID(.allowedSources, .inet6)] == nil, "no IPv6 load-balancer address to guard")
        #expect(Self.elements(Self.filter(Self.state()), .guardedLoadBalancers).isEmpty)
    }

    @Test("masquerading turns IPVS conntrack on; declared off it is a conflict; UDP services get expire_nodest_conn unless declared")
    func kernelSettings() {
        let state = Self.state()
        let kernel = EndpointSelection.select(state, node: "a")
        let (settings, conflict) = PacketPathPolicy.kernelSettings(KernelSettings(), filter: Self.filter(state), kernel: kernel)
        #expect(settings.conntrack == true && conflict == nil)
        #expect(settings.expireNoDestinationConnections == nil, "no UDP service")
        let refused = PacketPathPolicy.kernelSettings(KernelSettings(conntrack: false), filter: Self.filter(state), kernel: kernel)
        #expect(refused.conflict?.contains("kernel.conntrack") == true)

        var udp = Self.state(forwarding: .directRoute)
        udp.services[0].ports[0].protocol = .udp
        let udpKernel = EndpointSelection.select(udp, node: "a")
        let quiet = PacketPathPolicy.kernelSettings(KernelSettings(), filter: Self.filter(udp), kernel: udpKernel)
        #expect(quiet.settings.conntrack == nil && quiet.settings.expireNoDestinationConnections == true)
        #expect(
            PacketPathPolicy.kernelSettings(
                KernelSettings(expireNoDestinationConnections: false), filter: Self.filter(udp),
                kernel: udpKernel
            ).settings.expireNoDestinationConnections == false)
    }

    @Test("the table's plan: made when needed, minimal after, deleted when not needed, a foreign one left alone")
    func planning() {
        let desired = Self.filter(Self.state())
        let set = PacketFilterSetID(.externalCluster, .inet)
        let made = PacketFilterPlanner.plan(desired: desired, observed: nil, owned: false, adopt: false)
        #expect(made.changes.first == .createPacketFilter && made.owned)
        #expect(made.changes.count == 1 + desired.elementCount)

        let same = ObservedPacketFilter(elements: desired.elements)
        #expect(PacketFilterPlanner.plan(desired: desired, observed: same, owned: true, adopt: false).changes.isEmpty)

        var moved = desired
        moved.elements[set] = [.service(Self.external, .tcp, 80), .service(Self.external, .tcp, 443)]
        #expect(
            PacketFilterPlanner.plan(desired: moved, observed: same, owned: true, adopt: false).changes == [
                .deleteFilterElement(.service(Self.balancer, .tcp, 80), set: set),
                .addFilterElement(.service(Self.external, .tcp, 443), set: set),
            ])

        #expect(
            PacketFilterPlanner.plan(desired: DesiredPacketFilter(), observed: same, owned: true, adopt: false).changes == [
                .deletePacketFilter
            ])
        #expect(PacketFilterPlanner.plan(desired: DesiredPacketFilter(), observed: nil, owned: false, adopt: false).changes.isEmpty)

        let foreign = PacketFilterPlanner.plan(desired: desired, observed: same, owned: false, adopt: false)
        #expect(foreign.foreign && foreign.changes.isEmpty)
        #expect(!PacketFilterPlanner.plan(desired: desired, observed: same, owned: false, adopt: true).foreign)

        let drifted = ObservedPacketFilter(structureDrift: "chain masquerading holds other rules", elements: [:])
        let repair = PacketFilterPlanner.plan(desired: desired, observed: drifted, owned: true, adopt: false)
        #expect(repair.changes.first == .repairPacketFilter(reason: "chain masquerading holds other rules"))
        #expect(repair.changes.count == 1 + desired.elementCount)
    }
}
