import IPVSCore

/// The fixed structure of our table `inet ipvsctl_swift`: its sets, chains and rules, as data.
/// Only the sets' elements change with the desired state.
///
/// No packet mark is used (marks are shared with every other tool on a node): the masquerading
/// rules match the connection's original destination (`ct original ip daddr`,
/// `ct original proto-dst`) after IPVS has rewritten the packet's. That needs
/// `net.ipv4.vs.conntrack=1`, which masquerading needs anyway.
public enum PacketFilterLayout {
    public static let family = "inet"
    public static let table = PacketFilterSet.tableName

    public struct SetDeclaration: Hashable, Sendable {
        public var id: PacketFilterSetID
        /// nftables types of the concatenation, in order.
        public var types: [String]
        public var interval: Bool
    }

    public struct Chain: Hashable, Sendable {
        public var name: String
        public var type: String
        public var hook: String
        public var priority: Int
        public var rules: [Rule]
    }

    public struct Rule: Hashable, Sendable {
        /// Also the rule's identity when the table is read back.
        public var comment: String
        public var expressions: [JSONValue]
    }

    public static var sets: [SetDeclaration] {
        PacketFilterSetID.all.map { id in
            let address = id.family == .inet ? "ipv4_addr" : "ipv6_addr"
            let types: [String] =
                switch id.set {
                case .externalCluster, .clusterIPs, .guardedLoadBalancers: [address, "inet_proto", "inet_service"]
                case .localSources: [address]
                case .hairpin: [address, address]
                case .allowedSources: [address, "inet_proto", "inet_service", address]
                }
            return SetDeclaration(id: id, types: types, interval: id.set.holdsRanges)
        }
    }

    /// The masquerading chain runs at source NAT (postrouting, priority 100), after IPVS has
    /// sent the packet on; the source-range chain runs on input before IPVS takes the packet
    /// (IPVS hooks input at priority 99; ours is -150).
    public static var chains: [Chain] {
        [
            Chain(
                name: "masquerading", type: "nat", hook: "postrouting", priority: 100,
                rules: AddressFamily.allCases.flatMap { family in
                    [
                        masquerade(.externalCluster, family, "external addresses under Cluster, client not local"),
                        masquerade(.clusterIPs, family, "cluster IPs, client outside the cluster's ranges"),
                        hairpin(family),
                    ]
                }),
            Chain(
                name: "load_balancer_sources", type: "filter", hook: "input", priority: -150,
                rules: AddressFamily.allCases.map(sourceRangeDrop)),
        ]
    }

    // MARK: - Rules

    private static func masquerade(_ set: PacketFilterSet, _ family: AddressFamily, _ what: String) -> Rule {
        let addressKey = family == .inet ? "ip daddr" : "ip6 daddr"
        let id = PacketFilterSetID(set, family)
        return Rule(
            comment: "masquerade \(what) (\(family))",
            expressions: [
                nfproto(family),
                // ct proto-dst has no type of its own until the protocol is known.
                match("==", ["meta": ["key": "l4proto"]], ["set": ["tcp", "udp", "sctp"]]),
                match(
                    "==",
                    [
                        "concat": [
                            ["ct": ["key": .string(addressKey), "dir": "original"]], ["meta": ["key": "l4proto"]],
                            ["ct": ["key": "proto-dst", "dir": "original"]],
                        ]
                    ], .string("@" + id.name)),
                match("!=", payload(family, "saddr"), .string("@" + PacketFilterSetID(.localSources, family).name)),
                ["masquerade": nil],
            ])
    }

    private static func hairpin(_ family: AddressFamily) -> Rule {
        Rule(
            comment: "masquerade hairpin: an endpoint reaching itself (\(family))",
            expressions: [
                nfproto(family),
                match(
                    "==", ["concat": [payload(family, "saddr"), payload(family, "daddr")]],
                    .string("@" + PacketFilterSetID(.hairpin, family).name)),
                ["masquerade": nil],
            ])
    }

    private static func sourceRangeDrop(_ family: AddressFamily) -> Rule {
        let service: [JSONValue] = [
            payload(family, "daddr"), ["meta": ["key": "l4proto"]], ["payload": ["protocol": "th", "field": "dport"]],
        ]
        return Rule(
            comment: "drop clients outside a load balancer's source ranges (\(family))",
            expressions: [
                nfproto(family),
                match("==", ["concat": .array(service)], .string("@" + PacketFilterSetID(.guardedLoadBalancers, family).name)),
                match(
                    "!=", ["concat": .array(service + [payload(family, "saddr")])],
                    .string("@" + PacketFilterSetID(.allowedSources, family).name)),
                ["drop": nil],
            ])
    }

    private static func nfproto(_ family: AddressFamily) -> JSONValue {
        match("==", ["meta": ["key": "nfproto"]], family == .inet ? "ipv4" : "ipv6")
    }

    private static func payload(_ family: AddressFamily, _ field: String) -> JSONValue {
        ["payload": ["protocol": family == .inet ? "ip" : "ip6", "field": .string(field)]]
    }

    private static func match(_ op: String, _ left: JSONValue, _ right: JSONValue) -> JSONValue {
        ["match": ["op": .string(op), "left": left, "right": right]]
    }
}
