/// An IPv4 or IPv6 address, parsed and printed without Foundation or libc.
///
/// The kernel stores every IPVS address as a 16-byte `union nf_inet_addr`; this type keeps the
/// family explicit so that an IPv6 real server is never read back as IPv4 (moby/ipvs#22).
public enum IPAddress: Hashable, Sendable, Comparable {
    case v4(IPv4Address)
    case v6(IPv6Address)

    /// Parses dotted-quad IPv4 or RFC 4291 IPv6 text. Returns nil for anything else.
    public init?(_ text: some StringProtocol) {
        guard let address = AddressText.parse(text, with: Self.init(utf8:)) else { return nil }
        self = address
    }

    /// ``init(_:)`` of UTF-8 text in place: no `String`, and no generic code at the call (the
    /// config loader reads 100,000 addresses at 10,000 services this way).
    public init?(utf8 text: UnsafeBufferPointer<UInt8>) {
        if let v4 = IPv4Address(utf8: text) {
            self = .v4(v4)
        } else if let v6 = IPv6Address(utf8: text) {
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

    /// Parses dotted-quad text. Leading zeros are refused: "010" means octal to some parsers
    /// and decimal to others.
    public init?(_ text: some StringProtocol) {
        guard let address = AddressText.parse(text, with: Self.init(utf8:)) else { return nil }
        self = address
    }

    /// ``init(_:)`` of UTF-8 text in place.
    public init?(utf8 text: UnsafeBufferPointer<UInt8>) {
        guard let value = Self.parse(text) else { return nil }
        self.value = value
    }

    /// One pass over the bytes: a config of 10,000 services holds 100,000 addresses, and
    /// splitting each into substrings made address parsing a fifth of the load time.
    static func parse(_ text: UnsafeBufferPointer<UInt8>) -> UInt32? {
        var value: UInt32 = 0
        var octet: UInt32 = 0
        var digits = 0
        var dots = 0
        for byte in text {
            if byte == UInt8(ascii: ".") {
                guard digits > 0, dots < 3 else { return nil }
                value = value << 8 | octet
                (octet, digits, dots) = (0, 0, dots + 1)
            } else if let digit = AddressText.decimalDigit(byte) {
                guard digits == 0 || octet != 0 else { return nil }  // a leading zero
                octet = octet * 10 + digit
                digits += 1
                guard octet <= 255 else { return nil }
            } else {
                return nil
            }
        }
        guard dots == 3, digits > 0 else { return nil }
        return value << 8 | octet
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
        guard let address = AddressText.parse(text, with: Self.init(utf8:)) else { return nil }
        self = address
    }

    /// ``init(_:)`` of UTF-8 text in place.
    public init?(utf8 text: UnsafeBufferPointer<UInt8>) {
        guard let groups = Self.parse(text) else { return nil }
        high = (0..<4).reduce(0) { $0 << 16 | UInt64(groups[$1]) }
        low = (4..<8).reduce(0) { $0 << 16 | UInt64(groups[$1]) }
    }

    /// One pass over the bytes, groups in a SIMD vector so that parsing allocates nothing.
    static func parse(_ text: UnsafeBufferPointer<UInt8>) -> SIMD8<UInt16>? {
        var groups = SIMD8<UInt16>()
        var count = 0
        var gap: Int?  // where `::` stands, in groups
        var index = 0
        if text.count >= 2, text[0] == UInt8(ascii: ":"), text[1] == UInt8(ascii: ":") {
            gap = 0
            index = 2
        }
        while index < text.count {
            let start = index
            var group: UInt32 = 0
            while index < text.count, let digit = AddressText.hexDigit(text[index]), index - start < 4 {
                group = group << 4 | digit
                index += 1
            }
            if index < text.count, text[index] == UInt8(ascii: ".") {
                // The embedded IPv4 tail ends the address.
                guard count <= 6, let v4 = IPv4Address.parse(UnsafeBufferPointer(rebasing: text[start...])) else { return nil }
                groups[count] = UInt16(v4 >> 16)
                groups[count + 1] = UInt16(v4 & 0xFFFF)
                count += 2
                index = text.count
                break
            }
            guard index > start, count < 8 else { return nil }
            groups[count] = UInt16(group)
            count += 1
            guard index < text.count else { break }
            guard text[index] == UInt8(ascii: ":") else { return nil }
            index += 1
            if index < text.count, text[index] == UInt8(ascii: ":") {
                guard gap == nil else { return nil }
                gap = count
                index += 1
            } else if index == text.count {
                return nil  // a single trailing colon
            }
        }
        guard let gap else { return count == 8 ? groups : nil }
        guard count <= 7 else { return nil }
        // Move the groups after the gap to the end; the gap's groups are zero.
        var expanded = SIMD8<UInt16>()
        for position in 0..<gap { expanded[position] = groups[position] }
        let tail = count - gap
        for position in 0..<tail { expanded[8 - tail + position] = groups[gap + position] }
        return expanded
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

/// Address text as bytes: contiguous UTF-8 in place when the string has it (native strings
/// do), a copy otherwise.
enum AddressText {
    static func parse<Text: StringProtocol, Value>(
        _ text: Text, with parser: (UnsafeBufferPointer<UInt8>) -> Value?
    ) -> Value? {
        if let parsed = text.utf8.withContiguousStorageIfAvailable(parser) { return parsed }
        return Array(text.utf8).withUnsafeBufferPointer(parser)
    }

    static func decimalDigit(_ byte: UInt8) -> UInt32? {
        byte >= UInt8(ascii: "0") && byte <= UInt8(ascii: "9") ? UInt32(byte - UInt8(ascii: "0")) : nil
    }

    static func hexDigit(_ byte: UInt8) -> UInt32? {
        if let digit = decimalDigit(byte) { return digit }
        let lower = byte | 0x20
        return lower >= UInt8(ascii: "a") && lower <= UInt8(ascii: "f") ? UInt32(lower - UInt8(ascii: "a") + 10) : nil
    }
}
