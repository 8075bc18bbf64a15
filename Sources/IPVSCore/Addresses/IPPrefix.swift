/// An address range in CIDR notation (`203.0.113.0/24`, `2001:db8::/64`): a pod range, a
/// cluster range, a load balancer's allowed sources.
///
/// Kept normalised: host bits below the prefix are cleared, so `203.0.113.7/24` and
/// `203.0.113.0/24` are the same range (as Kubernetes reads `loadBalancerSourceRanges`).
public struct IPPrefix: Hashable, Sendable, Comparable {
    /// The first address of the range.
    public private(set) var network: IPAddress
    /// 0...32 for IPv4, 0...128 for IPv6.
    public private(set) var length: UInt8

    /// Nil when `length` is longer than the family's address.
    public init?(network: IPAddress, length: UInt8) {
        guard length <= network.family.bitCount else { return nil }
        self.network = Self.masked(network, to: length)
        self.length = length
    }

    /// A single address (`/32` or `/128`).
    public init(host address: IPAddress) {
        network = address
        length = address.family.bitCount
    }

    /// Parses `ADDRESS/LENGTH`, or a bare address as a single-address range. Nil for anything else.
    public init?(_ text: some StringProtocol) {
        guard let slash = text.firstIndex(of: "/") else {
            guard let address = IPAddress(text) else { return nil }
            self.init(host: address)
            return
        }
        let lengthText = text[text.index(after: slash)...]
        guard let address = IPAddress(text[..<slash]), !lengthText.isEmpty, lengthText.count <= 3,
            lengthText.allSatisfy({ $0.isASCII && $0.isNumber }), let length = UInt8(lengthText)
        else { return nil }
        self.init(network: address, length: length)
    }

    public var family: AddressFamily { network.family }

    /// Whether the text this range came from named host bits (`203.0.113.7/24`): worth a word
    /// to whoever wrote it.
    public static func hasHostBits(_ address: IPAddress, length: UInt8) -> Bool {
        masked(address, to: length) != address
    }

    public func contains(_ address: IPAddress) -> Bool {
        address.family == family && Self.masked(address, to: length) == network
    }

    /// The last address of the range (for interval sets).
    public var lastAddress: IPAddress {
        switch network {
        case .v4(let a):
            let hostMask: UInt32 = length == 0 ? .max : (length >= 32 ? 0 : UInt32.max >> UInt32(length))
            return .v4(IPv4Address(a.value | hostMask))
        case .v6(let a):
            let (highMask, lowMask) = Self.v6HostMasks(length)
            return .v6(IPv6Address(high: a.high | highMask, low: a.low | lowMask))
        }
    }

    public static func < (lhs: IPPrefix, rhs: IPPrefix) -> Bool {
        (lhs.network, lhs.length) < (rhs.network, rhs.length)
    }

    private static func masked(_ address: IPAddress, to length: UInt8) -> IPAddress {
        switch address {
        case .v4(let a):
            let hostMask: UInt32 = length == 0 ? .max : (length >= 32 ? 0 : UInt32.max >> UInt32(length))
            return .v4(IPv4Address(a.value & ~hostMask))
        case .v6(let a):
            let (highMask, lowMask) = v6HostMasks(length)
            return .v6(IPv6Address(high: a.high & ~highMask, low: a.low & ~lowMask))
        }
    }

    /// The host part of an IPv6 range, as masks of the high and low 64 bits.
    private static func v6HostMasks(_ length: UInt8) -> (high: UInt64, low: UInt64) {
        switch length {
        case 0: (.max, .max)
        case 1..<64: (UInt64.max >> UInt64(length), .max)
        case 64: (0, .max)
        case 65..<128: (0, UInt64.max >> UInt64(length - 64))
        default: (0, 0)
        }
    }
}

extension IPPrefix: CustomStringConvertible {
    public var description: String { "\(network)/\(length)" }
}

extension AddressFamily {
    /// 32 or 128.
    public var bitCount: UInt8 {
        switch self {
        case .inet: 32
        case .inet6: 128
        }
    }
}
