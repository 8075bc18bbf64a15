/// One netlink message of a received datagram: its header and where its payload lies.
public struct NetlinkMessage: Sendable {
    public var header: NetlinkMessageHeader
    /// The payload after the netlink header (for generic netlink: the genl header first).
    public var payload: ArraySlice<UInt8>

    public init(header: NetlinkMessageHeader, payload: ArraySlice<UInt8>) {
        self.header = header
        self.payload = payload
    }
}

/// What a single received netlink message means to a requester.
public enum NetlinkReply: Sendable {
    /// A data message (a dump entry or a reply to a get).
    case data(NetlinkMessage)
    /// `NLMSG_ERROR` with error 0: the request with this sequence number succeeded.
    case acknowledgement(sequence: UInt32)
    /// `NLMSG_ERROR` with a negative errno, and the kernel's extended-ACK text when it gave one.
    case error(sequence: UInt32, errno: Int32, message: String?)
    /// `NLMSG_DONE`: the dump with this sequence number is complete.
    case done(sequence: UInt32, interrupted: Bool)
}

/// Splits received datagrams into messages and classifies them.
public enum NetlinkDatagram {
    /// Every message in `datagram`, in order. Throws on a length that overruns the buffer.
    public static func messages(in datagram: [UInt8]) throws(WireDecodingError) -> [NetlinkMessage] {
        var result: [NetlinkMessage] = []
        var offset = datagram.startIndex
        while datagram.endIndex - offset >= NetlinkMessageHeader.size {
            var cursor = ByteCursor(datagram, from: offset)
            let length = Int(cursor.u32())
            let header = NetlinkMessageHeader(
                length: UInt32(length), type: cursor.u16(),
                flags: NetlinkMessageFlags(rawValue: cursor.u16()),
                sequence: cursor.u32(), portID: cursor.u32())
            guard length >= NetlinkMessageHeader.size else {
                throw WireDecodingError(
                    .malformed, "message length \(length) is shorter than its header",
                    context: "netlink message", offset: offset - datagram.startIndex)
            }
            guard offset + length <= datagram.endIndex else {
                throw WireDecodingError(
                    .truncated, "message length \(length) runs past the datagram's \(datagram.count) bytes",
                    context: "netlink message", offset: offset - datagram.startIndex)
            }
            result.append(NetlinkMessage(header: header, payload: datagram[(offset + NetlinkMessageHeader.size)..<(offset + length)]))
            offset += netlinkAligned(length)
        }
        if offset < datagram.endIndex {
            throw WireDecodingError(
                .truncated, "\(datagram.endIndex - offset) trailing bytes are too few for a header",
                context: "netlink datagram", offset: offset - datagram.startIndex)
        }
        return result
    }

    /// Classifies one message as data, acknowledgement, error or end of dump.
    public static func reply(_ message: NetlinkMessage) throws(WireDecodingError) -> NetlinkReply {
        switch message.header.type {
        case NetlinkControlType.error:
            var cursor = ByteCursor(message.payload)
            guard message.payload.count >= 4 + NetlinkMessageHeader.size else {
                throw WireDecodingError(
                    .truncated, "error message carries \(message.payload.count) bytes, needs 20",
                    context: "netlink error")
            }
            let errno = Int32(bitPattern: cursor.u32())
            let originalLength = Int(cursor.u32())
            _ = cursor.u16(); _ = cursor.u16()
            let originalSequence = cursor.u32()
            var text: String?
            if message.header.flags.contains(.acknowledgementTLVs) {
                // Without NLM_F_CAPPED the request's payload is echoed before the TLVs.
                let echoed = message.header.flags.contains(.capped) ? NetlinkMessageHeader.size : originalLength
                let tlvStart = message.payload.startIndex + 4 + netlinkAligned(echoed)
                if tlvStart <= message.payload.endIndex {
                    for attribute in try AttributeSequence(message.payload[tlvStart...], context: "extended ack")
                    where attribute.type == ExtendedAcknowledgementAttribute.message {
                        text = try attribute.string()
                    }
                }
            }
            let sequence = originalSequence != 0 ? originalSequence : message.header.sequence
            guard errno != 0 else { return .acknowledgement(sequence: sequence) }
            return .error(sequence: sequence, errno: try positiveErrno(errno, context: "netlink error"), message: text)
        case NetlinkControlType.done:
            return .done(
                sequence: message.header.sequence,
                interrupted: message.header.flags.contains(.dumpInterrupted))
        default:
            return .data(message)
        }
    }

    /// The errno of an error field (`NLMSG_ERROR`'s, `NLMSG_DONE`'s), which the kernel fills
    /// with a negated errno: positive. `Int32.min` has no positive counterpart, so it is
    /// malformed rather than a trap.
    static func positiveErrno(_ field: Int32, context: String) throws(WireDecodingError) -> Int32 {
        guard field != .min else {
            throw WireDecodingError(.invalidValue, "error field \(field) is not a negated errno", context: context)
        }
        return -field
    }
}

/// One attribute: its type (flag bits stripped) and its value bytes.
public struct Attribute: Sendable {
    public var type: UInt16
    public var isNested: Bool
    public var value: ArraySlice<UInt8>
    /// Where the attribute sits, for error messages.
    var context: String

    public func u8() throws(WireDecodingError) -> UInt8 {
        try requireLength(1)
        return value[value.startIndex]
    }

    public func u16() throws(WireDecodingError) -> UInt16 {
        try requireLength(2)
        var cursor = ByteCursor(value)
        return cursor.u16()
    }

    public func u16BigEndian() throws(WireDecodingError) -> UInt16 {
        try requireLength(2)
        return UInt16(value[value.startIndex]) << 8 | UInt16(value[value.startIndex + 1])
    }

    public func u32() throws(WireDecodingError) -> UInt32 {
        try requireLength(4)
        var cursor = ByteCursor(value)
        return cursor.u32()
    }

    public func u64() throws(WireDecodingError) -> UInt64 {
        try requireLength(8)
        var cursor = ByteCursor(value)
        return cursor.u64()
    }

    /// A string up to its first NUL (or the end of the value).
    public func string() throws(WireDecodingError) -> String {
        let end = value.firstIndex(of: 0) ?? value.endIndex
        return String(decoding: value[value.startIndex..<end], as: UTF8.self)
    }

    public func nested() throws(WireDecodingError) -> AttributeSequence {
        try AttributeSequence(value, context: context)
    }

    private func requireLength(_ length: Int) throws(WireDecodingError) {
        guard value.count >= length else {
            throw WireDecodingError(
                .truncated, "attribute \(type) has \(value.count) bytes, needs \(length)",
                context: context)
        }
    }
}

/// The attributes of a block, validated up front so that iteration cannot fail.
public struct AttributeSequence: Sequence, Sendable {
    private var attributes: [Attribute] = []

    public init(_ block: ArraySlice<UInt8>, context: String) throws(WireDecodingError) {
        var offset = block.startIndex
        while block.endIndex - offset >= 4 {
            var cursor = ByteCursor(block, from: offset)
            let length = Int(cursor.u16())
            let rawType = cursor.u16()
            guard length >= 4 else {
                throw WireDecodingError(
                    .malformed, "attribute length \(length) is shorter than its header",
                    context: context, offset: offset - block.startIndex)
            }
            guard offset + length <= block.endIndex else {
                throw WireDecodingError(
                    .truncated, "attribute \(rawType & AttributeTypeBits.typeMask) of length \(length) runs past its block",
                    context: context, offset: offset - block.startIndex)
            }
            attributes.append(
                Attribute(
                    type: rawType & AttributeTypeBits.typeMask,
                    isNested: rawType & AttributeTypeBits.nested != 0,
                    value: block[(offset + 4)..<(offset + length)],
                    context: context))
            offset += netlinkAligned(length)
        }
        // A short tail (under 4 bytes) is padding the kernel may leave; it carries nothing.
    }

    public func makeIterator() -> IndexingIterator<[Attribute]> { attributes.makeIterator() }

    /// The last attribute of `type` (the kernel's own parsers let a later one win).
    public subscript(type: UInt16) -> Attribute? {
        attributes.last { $0.type == type }
    }
}

/// Reads host-order integers from a byte slice. Callers check lengths first.
struct ByteCursor {
    private let bytes: ArraySlice<UInt8>
    private var offset: Int

    init(_ bytes: ArraySlice<UInt8>, from offset: Int? = nil) {
        self.bytes = bytes
        self.offset = offset ?? bytes.startIndex
    }

    init(_ bytes: [UInt8], from offset: Int) {
        self.init(bytes[...], from: offset)
    }

    mutating func u16() -> UInt16 { UInt16(truncatingIfNeeded: read(2)) }
    mutating func u32() -> UInt32 { UInt32(truncatingIfNeeded: read(4)) }
    mutating func u64() -> UInt64 { read(8) }

    private mutating func read(_ width: Int) -> UInt64 {
        var value: UInt64 = 0
        for index in (0..<width).reversed() {
            value = value << 8 | UInt64(bytes[offset + index])
        }
        offset += width
        return value
    }
}
