/// An IPv4 or IPv6 address, parsed and printed without Foundation or libc.
///
/// The kernel stores every IPVS address as a 16-byte `union nf_inet_addr`; this type keeps the
/// family explicit so that an IPv6 real server is never read back as IPv4 (moby/ipvs#22).
public enum IPAddress: Hashable, Sendable, Comparable {
    case v4(IPv4Address)
    case v6(IPv6Address)

    /// Parses dotted-quad IPv4 or RFC 4291 IPv6 text. Returns nil for anything else.
    public init?(_ text: some StringProtocol) {
        if let v4 = IPv4Address(text) {
            self = .v4(v4)
        } else if let v6 = IPv6Address(text) {
            self = .v6(v6)
        } else {
            return nil
        }
    }

    public var family: AddressFamily {
        switch self {
        case .v4: .inet
        case .v6: .inet6
        }
    }

    /// The address in network byte order: 4 bytes for IPv4, 16 for IPv6.
    public var bytes: [UInt8] {
        switch self {
        case .v4(let a): a.bytes
        case .v6(let a): a.bytes
        }
    }

    public static func < (lhs: IPAddress, rhs: IPAddress) -> Bool {
        switch (lhs, rhs) {
        case (.v4(let a), .v4(let b)): a.value < b.value
        case (.v6(let a), .v6(let b)): (a.high, a.low) < (b.high, b.low)
        case (.v4, .v6): true
        case (.v6, .v4): false
        }
    }
}

extension IPAddress: CustomStringConvertible {
    public var description: String {
        switch self {
        case .v4(let a): a.description
        case .v6(let a): a.description
        }
    }
}

/// An address family as the kernel numbers it.
public enum AddressFamily: UInt16, Hashable, Sendable, CaseIterable {
    /// Corresponds to `AF_INET`.
    case inet = 2
    /// Corresponds to `AF_INET6`.
    case inet6 = 10
}

extension AddressFamily: CustomStringConvertible {
    public var description: String {
        switch self {
        case .inet: "IPv4"
        case .inet6: "IPv6"
        }
    }
}

/// An IPv4 address, stored as a host-order integer (192.0.2.1 is 0xC000_0201).
public struct IPv4Address: Hashable, Sendable {
    public var value: UInt32

    public init(_ value: UInt32) {
        self.value = value
    }

    public init(_ a: UInt8, _ b: UInt8, _ c: UInt8, _ d: UInt8) {
        value = UInt32(a) << 24 | UInt32(b) << 16 | UInt32(c) << 8 | UInt32(d)
    }

    public init?(bytes: some Collection<UInt8>) {
        guard bytes.count == 4 else { return nil }
        value = bytes.reduce(0) { $0 << 8 | UInt32($1) }
    }

    public init?(_ text: some StringProtocol) {
        var octets: [UInt32] = []
        for part in text.split(separator: ".", omittingEmptySubsequences: false) {
            // Leading zeros are refused: "010" means octal to some parsers and decimal to others.
            guard !part.isEmpty, part.count <= 3, part.allSatisfy(\.isASCIIDigit),
                part.count == 1 || part.first != "0",
                let octet = UInt32(part), octet <= 255
            else { return nil }
            octets.append(octet)
        }
        guard octets.count == 4 else { return nil }
        value = octets.reduce(0) { $0 << 8 | $1 }
    }

    public var bytes: [UInt8] {
        [UInt8(value >> 24), UInt8(value >> 16 & 0xFF), UInt8(value >> 8 & 0xFF), UInt8(value & 0xFF)]
    }
}

extension IPv4Address: CustomStringConvertible {
    public var description: String {
        "\(value >> 24).\(value >> 16 & 0xFF).\(value >> 8 & 0xFF).\(value & 0xFF)"
    }
}

/// An IPv6 address, stored as two host-order halves so that it costs no allocation.
public struct IPv6Address: Hashable, Sendable {
    /// The first 8 bytes, big-endian interpreted (2001:db8:: has `high == 0x2001_0db8_0000_0000`).
    public var high: UInt64
    public var low: UInt64

    public init(high: UInt64, low: UInt64) {
        self.high = high
        self.low = low
    }

    public init?(bytes: some Collection<UInt8>) {
        guard bytes.count == 16 else { return nil }
        var high: UInt64 = 0
        var low: UInt64 = 0
        for (index, byte) in bytes.enumerated() {
            if index < 8 { high = high << 8 | UInt64(byte) } else { low = low << 8 | UInt64(byte) }
        }
        self.high = high
        self.low = low
    }

    /// The 16 bytes in network order.
    public var bytes: [UInt8] {
        (0..<16).map { index in
            let half = index < 8 ? high : low
            return UInt8(truncatingIfNeeded: half >> (8 * UInt64(7 - index % 8)))
        }
    }

    /// Parses the text forms of RFC 4291 section 2.2, including `::` and an embedded IPv4 tail.
    public init?(_ text: some StringProtocol) {
        let text = String(text)
        guard text.contains(":") else { return nil }
        var head: [UInt16] = []
        var tail: [UInt16] = []
        var sawGap = false
        let halves = text.components(separatedByDoubleColon: ())
        guard halves.count <= 2 else { return nil }
        sawGap = halves.count == 2
        guard let parsedHead = Self.groups(halves[0], allowIPv4Tail: !sawGap) else { return nil }
        head = parsedHead
        if sawGap {
            guard let parsedTail = Self.groups(halves[1], allowIPv4Tail: true) else { return nil }
            tail = parsedTail
            guard head.count + tail.count <= 7 else { return nil }
        } else {
            guard head.count == 8 else { return nil }
        }
        let groups = head + Array(repeating: 0, count: 8 - head.count - tail.count) + tail
        high = groups[0..<4].reduce(0) { $0 << 16 | UInt64($1) }
        low = groups[4..<8].reduce(0) { $0 << 16 | UInt64($1) }
    }

    private static func groups(_ text: Substring, allowIPv4Tail: Bool) -> [UInt16]? {
        if text.isEmpty { return [] }
        var result: [UInt16] = []
        let parts = text.split(separator: ":", omittingEmptySubsequences: false)
        for (index, part) in parts.enumerated() {
            if index == parts.count - 1, allowIPv4Tail, part.contains(".") {
                guard let v4 = IPv4Address(part) else { return nil }
                result.append(UInt16(v4.value >> 16))
                result.append(UInt16(v4.value & 0xFFFF))
            } else {
                guard !part.isEmpty, part.count <= 4, part.allSatisfy(\.isHexDigit),
                    let group = UInt16(part, radix: 16)
                else { return nil }
                result.append(group)
            }
        }
        return result
    }

    private var groups: [UInt16] {
        (0..<8).map { index in
            let half = index < 4 ? high : low
            return UInt16(truncatingIfNeeded: half >> (16 * UInt64(3 - index % 4)))
        }
    }
}

extension IPv6Address: CustomStringConvertible {
    /// The RFC 5952 canonical form: lower case, no leading zeros, the longest run of two or more
    /// zero groups (the first on a tie) shown as `::`.
    public var description: String {
        let groups = self.groups
        var bestStart = -1
        var bestLength = 0
        var index = 0
        while index < 8 {
            if groups[index] == 0 {
                var end = index
                while end < 8, groups[end] == 0 { end += 1 }
                if end - index > bestLength, end - index >= 2 {
                    bestStart = index
                    bestLength = end - index
                }
                index = end
            } else {
                index += 1
            }
        }
        func hex(_ range: Range<Int>) -> String {
            groups[range].map { String($0, radix: 16) }.joined(separator: ":")
        }
        if bestStart < 0 { return hex(0..<8) }
        return hex(0..<bestStart) + "::" + hex((bestStart + bestLength)..<8)
    }
}

extension String {
    /// Splits at the first `::` only; a second `::` yields three parts, which callers refuse.
    fileprivate func components(separatedByDoubleColon _: Void) -> [Substring] {
        var parts: [Substring] = []
        var rest = self[...]
        while let range = rest.firstRange(of: "::") {
            parts.append(rest[..<range.lowerBound])
            rest = rest[range.upperBound...]
        }
        parts.append(rest)
        return parts
    }
}

extension Character {
    fileprivate var isASCIIDigit: Bool { ("0"..."9").contains(self) }
}
