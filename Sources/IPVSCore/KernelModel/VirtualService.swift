/// A transport protocol an IPVS virtual service can balance.
public enum TransportProtocol: UInt16, Hashable, Sendable, CaseIterable {
    /// Corresponds to `IPPROTO_TCP`.
    case tcp = 6
    /// Corresponds to `IPPROTO_UDP`.
    case udp = 17
    /// Corresponds to `IPPROTO_SCTP`.
    case sctp = 132

    public var name: String {
        switch self {
        case .tcp: "TCP"
        case .udp: "UDP"
        case .sctp: "SCTP"
        }
    }
}

/// What identifies a virtual service in the kernel: an address, port and protocol, or a
/// firewall mark set by netfilter.
public enum VirtualServiceKey: Hashable, Sendable {
    /// Corresponds to `IPVS_SVC_ATTR_ADDR`, `IPVS_SVC_ATTR_PORT` and `IPVS_SVC_ATTR_PROTOCOL`.
    case address(IPAddress, port: UInt16, protocol: TransportProtocol)
    /// Corresponds to `IPVS_SVC_ATTR_FWMARK`, with the family of the real servers behind it.
    case firewallMark(UInt32, family: AddressFamily)

    /// Corresponds to `IPVS_SVC_ATTR_AF`.
    public var family: AddressFamily {
        switch self {
        case .address(let address, _, _): address.family
        case .firewallMark(_, let family): family
        }
    }
}

extension VirtualServiceKey: CustomStringConvertible {
    /// The way `ipvsadm` names a service: `TCP 192.0.2.1:80`, `UDP [2001:db8::1]:53`, `FWM 7 IPv6`.
    public var description: String {
        switch self {
        case .address(let address, let port, let proto):
            "\(proto.name) \(Endpoint.format(address, port))"
        case .firewallMark(let mark, .inet):
            "FWM \(mark)"
        case .firewallMark(let mark, .inet6):
            "FWM \(mark) IPv6"
        }
    }
}

extension VirtualServiceKey: Comparable {
    public static func < (lhs: VirtualServiceKey, rhs: VirtualServiceKey) -> Bool {
        switch (lhs, rhs) {
        case (.address(let a, let p, let t), .address(let b, let q, let u)):
            (a, p, t.rawValue) < (b, q, u.rawValue)
        case (.firewallMark(let m, let f), .firewallMark(let n, let g)):
            (m, f.rawValue) < (n, g.rawValue)
        case (.address, .firewallMark): true
        case (.firewallMark, .address): false
        }
    }
}

/// Formatting of `address:port` the way every Linux tool prints it (IPv6 in brackets).
public enum Endpoint {
    public static func format(_ address: IPAddress, _ port: UInt16) -> String {
        switch address {
        case .v4: "\(address):\(port)"
        case .v6: "[\(address)]:\(port)"
        }
    }
}

/// The name of an IPVS scheduling module (`ip_vs_<name>`). The kernel takes any string and
/// answers `ENOENT` when no such module exists, so this is open: the constants are the ones
/// mainline Linux ships.
public struct Scheduler: RawRepresentable, Hashable, Sendable, ExpressibleByStringLiteral {
    public var rawValue: String
    public init(rawValue: String) { self.rawValue = rawValue }
    public init(stringLiteral value: String) { rawValue = value }

    public static let roundRobin: Scheduler = "rr"
    public static let weightedRoundRobin: Scheduler = "wrr"
    public static let leastConnection: Scheduler = "lc"
    public static let weightedLeastConnection: Scheduler = "wlc"
    public static let localityBasedLeastConnection: Scheduler = "lblc"
    public static let localityBasedLeastConnectionWithReplication: Scheduler = "lblcr"
    public static let destinationHashing: Scheduler = "dh"
    public static let sourceHashing: Scheduler = "sh"
    public static let shortestExpectedDelay: Scheduler = "sed"
    public static let neverQueue: Scheduler = "nq"
    public static let maglevHashing: Scheduler = "mh"
    public static let weightedFailover: Scheduler = "fo"
    public static let weightedOverflow: Scheduler = "ovf"
    public static let weightedRandomTwoChoices: Scheduler = "twos"

    /// Every scheduler of mainline Linux, in the order `ipvsadm(8)` lists them.
    public static let mainline: [Scheduler] = [
        .roundRobin, .weightedRoundRobin, .leastConnection, .weightedLeastConnection,
        .localityBasedLeastConnection, .localityBasedLeastConnectionWithReplication,
        .destinationHashing, .sourceHashing, .shortestExpectedDelay, .neverQueue,
        .maglevHashing, .weightedFailover, .weightedOverflow, .weightedRandomTwoChoices,
    ]
}

/// Flags of a virtual service. Corresponds to `struct ip_vs_flags` in `IPVS_SVC_ATTR_FLAGS`.
public struct ServiceFlags: OptionSet, Hashable, Sendable {
    public var rawValue: UInt32
    public init(rawValue: UInt32) { self.rawValue = rawValue }

    /// Corresponds to `IP_VS_SVC_F_PERSISTENT`.
    public static let persistent = ServiceFlags(rawValue: 0x0001)
    /// Corresponds to `IP_VS_SVC_F_HASHED`: kernel-internal, set on every service it holds.
    /// Never compared and never sent; decoding strips it.
    public static let hashed = ServiceFlags(rawValue: 0x0002)
    /// Corresponds to `IP_VS_SVC_F_ONEPACKET` (UDP only: schedule every datagram).
    public static let onePacket = ServiceFlags(rawValue: 0x0004)
    /// Corresponds to `IP_VS_SVC_F_SCHED1`.
    public static let scheduler1 = ServiceFlags(rawValue: 0x0008)
    /// Corresponds to `IP_VS_SVC_F_SCHED2`.
    public static let scheduler2 = ServiceFlags(rawValue: 0x0010)
    /// Corresponds to `IP_VS_SVC_F_SCHED3`.
    public static let scheduler3 = ServiceFlags(rawValue: 0x0020)

    /// Corresponds to `IP_VS_SVC_F_SCHED_SH_FALLBACK`: skip a source-hashed server of weight 0.
    public static let sourceHashFallback = scheduler1
    /// Corresponds to `IP_VS_SVC_F_SCHED_SH_PORT`: hash the source port too.
    public static let sourceHashPort = scheduler2
    /// Corresponds to `IP_VS_SVC_F_SCHED_MH_FALLBACK`: skip a Maglev server of weight 0
    /// (without it, weight-0 servers keep receiving traffic: kubernetes#139497).
    public static let maglevFallback = scheduler1
    /// Corresponds to `IP_VS_SVC_F_SCHED_MH_PORT`.
    public static let maglevPort = scheduler2

    /// Every bit the kernel lets user space set.
    public static let userSettable: ServiceFlags = [
        .persistent, .onePacket, .scheduler1, .scheduler2, .scheduler3,
    ]
}

/// A virtual service as user space configures it: the fields `NEW_SERVICE` and `SET_SERVICE`
/// carry. Counters live in ``ObservedVirtualService``.
public struct VirtualService: Hashable, Sendable {
    public var key: VirtualServiceKey
    /// Corresponds to `IPVS_SVC_ATTR_SCHED_NAME`.
    public var scheduler: Scheduler
    /// Corresponds to `IPVS_SVC_ATTR_FLAGS`; ``ServiceFlags/hashed`` is never part of it.
    public var flags: ServiceFlags
    /// Persistence timeout in seconds. Corresponds to `IPVS_SVC_ATTR_TIMEOUT`.
    public var timeout: UInt32
    /// Persistence granularity. Corresponds to `IPVS_SVC_ATTR_NETMASK`: for IPv4 a mask as a
    /// host-order integer (`0xFFFF_FF00` for /24), for IPv6 a prefix length (1 to 128).
    public var netmask: UInt32
    /// Persistence engine, such as `sip`. Corresponds to `IPVS_SVC_ATTR_PE_NAME`.
    public var persistenceEngine: String?

    public init(
        key: VirtualServiceKey,
        scheduler: Scheduler = .weightedLeastConnection,
        flags: ServiceFlags = [],
        timeout: UInt32 = 0,
        netmask: UInt32? = nil,
        persistenceEngine: String? = nil
    ) {
        self.key = key
        self.scheduler = scheduler
        self.flags = flags.subtracting(.hashed)
        self.timeout = timeout
        self.netmask = netmask ?? VirtualService.hostNetmask(for: key.family)
        self.persistenceEngine = persistenceEngine
    }

    /// The netmask that makes persistence per client address, which is what the kernel and
    /// ipvsadm use when none is given.
    public static func hostNetmask(for family: AddressFamily) -> UInt32 {
        switch family {
        case .inet: 0xFFFF_FFFF
        case .inet6: 128
        }
    }
}

/// How the director forwards packets to a real server.
/// Corresponds to `IPVS_DEST_ATTR_FWD_METHOD` (`IP_VS_CONN_F_FWD_MASK` bits).
public enum ForwardingMethod: Hashable, Sendable {
    /// Corresponds to `IP_VS_CONN_F_MASQ` (NAT, `ipvsadm -m`).
    case masquerade
    /// Corresponds to `IP_VS_CONN_F_LOCALNODE`.
    case localNode
    /// Corresponds to `IP_VS_CONN_F_TUNNEL` (`ipvsadm -i`), with its encapsulation.
    case tunnel(Tunnel)
    /// Corresponds to `IP_VS_CONN_F_DROUTE` (direct routing, `ipvsadm -g`).
    case directRoute
    /// Corresponds to `IP_VS_CONN_F_BYPASS`.
    case bypass

    /// The value of the forwarding-method bits.
    public var kernelValue: UInt32 {
        switch self {
        case .masquerade: 0
        case .localNode: 1
        case .tunnel: 2
        case .directRoute: 3
        case .bypass: 4
        }
    }

    public var name: String {
        switch self {
        case .masquerade: "Masq"
        case .localNode: "Local"
        case .tunnel: "Tunnel"
        case .directRoute: "Route"
        case .bypass: "Bypass"
        }
    }
}

/// Encapsulation of a tunnelled real server (Linux 5.2 and later).
public struct Tunnel: Hashable, Sendable {
    /// Corresponds to `IPVS_DEST_ATTR_TUN_TYPE`.
    public enum Kind: UInt8, Hashable, Sendable, CaseIterable {
        /// Corresponds to `IP_VS_CONN_F_TUNNEL_TYPE_IPIP`.
        case ipip = 0
        /// Corresponds to `IP_VS_CONN_F_TUNNEL_TYPE_GUE`: needs a port.
        case gue = 1
        /// Corresponds to `IP_VS_CONN_F_TUNNEL_TYPE_GRE`.
        case gre = 2
    }

    /// Corresponds to `IPVS_DEST_ATTR_TUN_FLAGS`.
    public enum Checksum: UInt16, Hashable, Sendable, CaseIterable {
        /// Corresponds to `IP_VS_TUNNEL_ENCAP_FLAG_NOCSUM`.
        case none = 0
        /// Corresponds to `IP_VS_TUNNEL_ENCAP_FLAG_CSUM`.
        case checksum = 1
        /// Corresponds to `IP_VS_TUNNEL_ENCAP_FLAG_REMCSUM`.
        case remoteChecksum = 2
    }

    // The port first: the one-byte kind and checksum then follow it without padding, and a
    // forwarding method takes 4 bytes, which keeps a `RealServer` at 36.
    /// UDP destination port of GUE encapsulation. Corresponds to `IPVS_DEST_ATTR_TUN_PORT`.
    public var port: UInt16
    public var kind: Kind
    public var checksum: Checksum

    public init(kind: Kind = .ipip, port: UInt16 = 0, checksum: Checksum = .none) {
        self.kind = kind
        self.port = port
        self.checksum = checksum
    }

    public static let ipip = Tunnel()
}

/// A real server (a "destination" in the kernel's words) as user space configures it.
public struct RealServer: Hashable, Sendable {
    /// Corresponds to `IPVS_DEST_ATTR_ADDR`, with `IPVS_DEST_ATTR_ADDR_FAMILY` from its family.
    public var address: IPAddress
    /// Corresponds to `IPVS_DEST_ATTR_PORT`. 0 for firewall-mark services that keep the port.
    public var port: UInt16
    public var forwarding: ForwardingMethod
    /// Corresponds to `IPVS_DEST_ATTR_WEIGHT`; 0 stops new connections (draining). At most
    /// `Int32.max`: the kernel stores it signed.
    public var weight: UInt32
    /// Corresponds to `IPVS_DEST_ATTR_U_THRESH`; 0 means no limit.
    public var upperThreshold: UInt32
    /// Corresponds to `IPVS_DEST_ATTR_L_THRESH`.
    public var lowerThreshold: UInt32

    public init(
        address: IPAddress,
        port: UInt16,
        forwarding: ForwardingMethod = .masquerade,
        weight: UInt32 = 1,
        upperThreshold: UInt32 = 0,
        lowerThreshold: UInt32 = 0
    ) {
        self.address = address
        self.port = port
        self.forwarding = forwarding
        self.weight = weight
        self.upperThreshold = upperThreshold
        self.lowerThreshold = lowerThreshold
    }

    /// What identifies a real server within its virtual service.
    public var key: RealServerKey { RealServerKey(address: address, port: port) }
}

/// A real server's identity within a virtual service.
public struct RealServerKey: Hashable, Sendable, Comparable, CustomStringConvertible {
    public var address: IPAddress
    public var port: UInt16

    public init(address: IPAddress, port: UInt16) {
        self.address = address
        self.port = port
    }

    public static func < (lhs: RealServerKey, rhs: RealServerKey) -> Bool {
        (lhs.address, lhs.port) < (rhs.address, rhs.port)
    }

    public var description: String { Endpoint.format(address, port) }
}
