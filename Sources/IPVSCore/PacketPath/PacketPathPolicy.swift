/// Which packets of this node's virtual services netfilter must masquerade or drop: the decision
/// table of docs/packet-path.md, as data. Pure; the nftables module renders the result.
///
/// IPVS rewrites destinations only. A connection that reaches this node and is sent to an
/// endpoint elsewhere must leave with this node's address as its source, or the endpoint
/// answers the client directly from an address the client never spoke to. So (as kube-proxy):
/// - external addresses (external IPs, load-balancer IPs, node ports) under `Cluster` or
///   `PreferLocal` masquerade every client that is not one of this node's local sources;
///   under `Local` nothing is masqueraded (the endpoint is on this node and sees the client);
/// - cluster IPs masquerade clients outside the local sources, and only when those are known
///   (with no `clusterCIDRs` nothing says who the cluster's own clients are);
/// - hairpin (an endpoint of this node reaching itself through a service) is always
///   masqueraded, or its reply would go to itself without passing IPVS;
/// - only masquerade-forwarded real servers are concerned: direct routing and tunnels keep the
///   client's address by design, and firewall-mark services have no address to match.
/// A load balancer that declares source ranges drops every client outside them.
public enum PacketPathPolicy {
    public static func desired(_ state: DesiredState, kernel: DesiredKernelState, node: String) -> DesiredPacketFilter {
        PacketFilterTally(state, kernel: kernel, node: node).filter
    }

    /// The elements one virtual service puts in the sets, hairpin aside (that one depends on
    /// every service's real servers together: ``PacketFilterTally``).
    static func elements(
        of service: DesiredVirtualService, guarded: [IPAddress: [IPPrefix]], localSourcesKnown: Bool
    ) -> [(PacketFilterElement, PacketFilterSet)] {
        guard case .address(let address, let port, let proto) = service.service.key else { return [] }
        var elements: [(PacketFilterElement, PacketFilterSet)] = []
        if let ranges = guarded[address] {
            elements.append((.service(address, proto, port), .guardedLoadBalancers))
            for range in withoutContainedRanges(ranges.filter { $0.family == address.family }) {
                elements.append((.serviceSource(address, proto, port, range), .allowedSources))
            }
        }
        guard service.realServers.contains(where: { $0.forwarding == .masquerade }) else { return elements }
        switch (service.origin.scope, service.origin.policy) {
        case (.external, .cluster), (.external, .preferLocal):
            elements.append((.service(address, proto, port), .externalCluster))
        case (.external, .local):
            break
        case (.internal, _):
            if localSourcesKnown { elements.append((.service(address, proto, port), .clusterIPs)) }
        }
        return elements
    }

    /// The addresses of a virtual service's masqueraded real servers, each once: hairpin
    /// candidates. Real servers are in key order, so an address's repeats follow it; should they
    /// not, an address counted twice is counted twice on removal too. An array, not a `Set`: the
    /// planner asks for every virtual service, and hashing each address was most of the cost.
    static func masqueradedAddresses(of service: DesiredVirtualService) -> [IPAddress] {
        guard case .address = service.service.key else { return [] }
        var addresses: [IPAddress] = []
        for server in service.realServers where server.forwarding == .masquerade && addresses.last != server.address {
            addresses.append(server.address)
        }
        return addresses
    }

    /// The sources that count as this node's own: its pod ranges when they are known, else the
    /// cluster's.
    public static func localSources(of state: DesiredState, node: String) -> [IPPrefix] {
        if let own = state.nodePodCIDRs[node], !own.isEmpty { return own }
        return state.clusterCIDRs
    }

    /// Load-balancer addresses with declared source ranges, with the ranges every service that
    /// owns the address allows.
    static func guardedLoadBalancers(_ state: DesiredState) -> [IPAddress: [IPPrefix]] {
        var guarded: [IPAddress: [IPPrefix]] = [:]
        for service in state.services where !service.loadBalancerSourceRanges.isEmpty {
            for address in service.loadBalancerIPs {
                guarded[address, default: []] += service.loadBalancerSourceRanges
            }
        }
        return guarded
    }

    /// An interval set refuses overlapping ranges. Two CIDR ranges either are disjoint or one
    /// holds the other, so keeping only the outermost ones is enough.
    static func withoutContainedRanges(_ ranges: [IPPrefix]) -> [IPPrefix] {
        let sorted = Set(ranges).sorted { ($0.length, $0) < ($1.length, $1) }
        var kept: [IPPrefix] = []
        for range in sorted
        where !kept.contains(where: { $0.family == range.family && $0.length <= range.length && $0.contains(range.network) }) {
            kept.append(range)
        }
        return kept.sorted()
    }
}

/// What our netfilter table must hold: the elements of each set (sets not listed are empty).
public struct DesiredPacketFilter: Hashable, Sendable {
    public var elements: [PacketFilterSetID: Set<PacketFilterElement>]

    public init(elements: [PacketFilterSetID: Set<PacketFilterElement>] = [:]) {
        self.elements = elements
    }

    /// No element anywhere: the table is not needed.
    public var isEmpty: Bool { elements.values.allSatisfy(\.isEmpty) }

    /// Some IPVS traffic is masqueraded: `net.ipv4.vs.conntrack` must be 1.
    public var masquerades: Bool { elements.contains { $0.key.set.masquerades && !$0.value.isEmpty } }

    public var elementCount: Int { elements.values.reduce(0) { $0 + $1.count } }
}

/// Our netfilter table as read back.
public struct ObservedPacketFilter: Hashable, Sendable {
    /// Why the table's chains, rules or sets differ from ours (edited by hand, an older
    /// version); nil when they are as we make them.
    public var structureDrift: String?
    public var elements: [PacketFilterSetID: Set<PacketFilterElement>]

    public init(structureDrift: String? = nil, elements: [PacketFilterSetID: Set<PacketFilterElement>] = [:]) {
        self.structureDrift = structureDrift
        self.elements = elements
    }
}

extension PacketPathPolicy {
    /// The kernel settings the packet path depends on, added to what was declared:
    /// - masquerading IPVS traffic needs `net.ipv4.vs.conntrack=1` (netfilter's NAT does not see
    ///   IPVS connections otherwise); declaring it false while masquerading is a conflict;
    /// - UDP virtual services get `expire_nodest_conn=1` unless declared: a datagram whose real
    ///   server is gone is then scheduled anew instead of dropped until its entry times out
    ///   (kube-proxy sets it too).
    public static func kernelSettings(
        _ declared: KernelSettings, filter: DesiredPacketFilter,
        kernel: DesiredKernelState
    ) -> (settings: KernelSettings, conflict: String?) {
        var settings = declared
        var conflict: String?
        if filter.masquerades {
            if declared.conntrack == false {
                conflict =
                    "kernel.conntrack is false, but masquerading (services with an external policy of Cluster, "
                    + "cluster IPs with clusterCIDRs, or hairpin) needs net.ipv4.vs.conntrack=1"
            } else {
                settings.conntrack = true
            }
        }
        if declared.expireNoDestinationConnections == nil,
            kernel.virtualServices.contains(where: { if case .address(_, _, .udp) = $0.service.key { true } else { false } })
        {
            settings.expireNoDestinationConnections = true
        }
        return (settings, conflict)
    }
}

/// The netfilter table's part of a plan: what is desired and what was read (nil: no table).
public struct PacketFilterState: Hashable, Sendable {
    public var desired: DesiredPacketFilter
    public var observed: ObservedPacketFilter?

    public init(desired: DesiredPacketFilter, observed: ObservedPacketFilter?) {
        self.desired = desired
        self.observed = observed
    }
}
