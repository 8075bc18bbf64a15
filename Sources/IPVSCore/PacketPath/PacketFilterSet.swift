/// The named sets of our netfilter table. The rules around them are fixed; what the desired
/// state changes is only which elements the sets hold, so 10,000 services are still six rules
/// per family.
public enum PacketFilterSet: String, Hashable, Sendable, CaseIterable, Comparable {
    /// Our table, in the `inet` family (IPv4 and IPv6 together): `inet ipvsctl_swift`.
    public static let tableName = "ipvsctl_swift"

    /// `VIP . protocol . port` of external addresses (external IPs, load-balancer IPs, node
    /// ports) whose external policy may send to another node: masqueraded unless the client is
    /// one of this node's local sources.
    case externalCluster = "external_cluster"
    /// `cluster IP . protocol . port`: masqueraded unless the client is a local source (only
    /// filled when the local sources are known, as kube-proxy masquerades cluster IPs only with
    /// a cluster CIDR).
    case clusterIPs = "cluster_ips"
    /// This node's local sources (its pod ranges, else the cluster's): interval set.
    case localSources = "local_sources"
    /// `endpoint . endpoint` of this node's endpoints: a pod that reaches its own service and
    /// lands on itself (hairpin) is masqueraded, or its reply would bypass IPVS.
    case hairpin = "hairpin"
    /// `LB IP . protocol . port` of load balancers that declare source ranges.
    case guardedLoadBalancers = "guarded_load_balancers"
    /// `LB IP . protocol . port . client range`: the clients each guarded load balancer allows.
    case allowedSources = "allowed_sources"

    /// Whether a non-empty set means IPVS traffic is masqueraded (which needs
    /// `net.ipv4.vs.conntrack=1`).
    public var masquerades: Bool {
        switch self {
        case .externalCluster, .clusterIPs, .hairpin: true
        case .localSources, .guardedLoadBalancers, .allowedSources: false
        }
    }

    /// Interval sets hold ranges; they may not hold two ranges that overlap.
    public var holdsRanges: Bool { self == .localSources || self == .allowedSources }

    public static func < (lhs: PacketFilterSet, rhs: PacketFilterSet) -> Bool {
        allCases.firstIndex(of: lhs)! < allCases.firstIndex(of: rhs)!
    }
}

/// One set of one address family: the table has an IPv4 and an IPv6 twin of each set.
public struct PacketFilterSetID: Hashable, Sendable, Comparable, CustomStringConvertible {
    public var set: PacketFilterSet
    public var family: AddressFamily

    public init(_ set: PacketFilterSet, _ family: AddressFamily) {
        self.set = set
        self.family = family
    }

    /// The set's name in the table, e.g. `external_cluster_v4`.
    public var name: String { self.set.rawValue + (family == .inet ? "_v4" : "_v6") }

    public var description: String { name }

    public static var all: [PacketFilterSetID] {
        AddressFamily.allCases.flatMap { family in PacketFilterSet.allCases.map { PacketFilterSetID($0, family) } }
    }

    public static func < (lhs: PacketFilterSetID, rhs: PacketFilterSetID) -> Bool {
        (lhs.family.rawValue, lhs.set) < (rhs.family.rawValue, rhs.set)
    }
}

/// One element of a set, typed by what the set holds.
public enum PacketFilterElement: Hashable, Sendable, Comparable, CustomStringConvertible {
    /// `address . protocol . port`: a virtual service.
    case service(IPAddress, TransportProtocol, UInt16)
    /// A range of addresses.
    case range(IPPrefix)
    /// `address . protocol . port . range`: a virtual service and a client range it allows.
    case serviceSource(IPAddress, TransportProtocol, UInt16, IPPrefix)
    /// `address . address`: source and destination are the same endpoint.
    case addressPair(IPAddress)

    public var family: AddressFamily {
        switch self {
        case .service(let address, _, _), .serviceSource(let address, _, _, _), .addressPair(let address): address.family
        case .range(let prefix): prefix.family
        }
    }

    /// As `nft list` prints it.
    public var description: String {
        switch self {
        case .service(let address, let proto, let port): "\(address) . \(proto.nftName) . \(port)"
        case .range(let prefix): prefix.nftText
        case .serviceSource(let address, let proto, let port, let prefix): "\(address) . \(proto.nftName) . \(port) . \(prefix.nftText)"
        case .addressPair(let address): "\(address) . \(address)"
        }
    }

    public static func < (lhs: PacketFilterElement, rhs: PacketFilterElement) -> Bool {
        lhs.sortKey < rhs.sortKey
    }

    private var sortKey: (Int, IPAddress, UInt16, UInt16, IPAddress, UInt8) {
        switch self {
        case .service(let address, let proto, let port): (0, address, proto.rawValue, port, address, 0)
        case .range(let prefix): (1, prefix.network, 0, 0, prefix.network, prefix.length)
        case .serviceSource(let address, let proto, let port, let prefix): (2, address, proto.rawValue, port, prefix.network, prefix.length)
        case .addressPair(let address): (3, address, 0, 0, address, 0)
        }
    }
}

extension TransportProtocol {
    /// The protocol's name in nftables (`tcp`, `udp`, `sctp`).
    public var nftName: String { name.lowercased() }
}

extension IPPrefix {
    /// A single address prints bare, as nftables prints it.
    public var nftText: String { length == family.bitCount ? "\(network)" : description }
}
