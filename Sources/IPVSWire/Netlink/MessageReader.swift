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
        try messages(in: datagram[...])
    }

    /// Every message in `datagram`, a view of a larger buffer; the payloads are views of it too.
    public static func messages(in datagram: ArraySlice<UInt8>) throws(WireDecodingError) -> [NetlinkMessage] {
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
    /// Where the attribute sits, for error messages: a literal, so that an attribute costs no
    /// reference count for it.
    var context: StaticString

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
        guard value.count >= length else { throw .shortAttribute(type, has: value.count, needs: length, context: context) }
    }
}

extension WireDecodingError {
    /// An attribute's value shorter than the integer read from it.
    static func shortAttribute(_ type: UInt16, has length: Int, needs width: Int, context: StaticString) -> Self {
        WireDecodingError(.truncated, "attribute \(type) has \(length) bytes, needs \(width)", context: context)
    }
}

/// The attributes of a block, validated up front so that iteration cannot fail.
///
/// Keeps no copy and allocates nothing: it holds the block (a view of the received datagram)
/// and, for the small types every IPVS nest uses, where the last attribute of each type starts,
/// so a lookup is one index. Larger types, and iteration, walk the validated block.
public struct AttributeSequence: Sequence, Sendable {
    /// Types below this are indexed.
    static let indexedTypes = 32

    private let block: ArraySlice<UInt8>
    private let context: StaticString
    /// For each type below ``indexedTypes``: the offset from the block's start of its last
    /// attribute, plus one; 0 when the block has none.
    private var lastOffsets = InlineArray<32, Int32>(repeating: 0)
    /// Whether any attribute's type is not indexed.
    private var hasUnindexed = false

    public init(_ block: ArraySlice<UInt8>, context: StaticString) throws(WireDecodingError) {
        self.block = block
        self.context = context
        var offsets = InlineArray<32, Int32>(repeating: 0)
        var unindexed = false
        try AttributeWalk.withBytes(of: block) { bytes throws(WireDecodingError) in
            try AttributeWalk.forEach(in: bytes, context: context) { type, offset, _ in
                if Int(type) < Self.indexedTypes {
                    offsets[Int(type)] = Int32(offset + 1)
                } else {
                    unindexed = true
                }
            }
        }
        lastOffsets = offsets
        hasUnindexed = unindexed
    }

    public struct Iterator: IteratorProtocol {
        fileprivate let block: ArraySlice<UInt8>
        fileprivate let context: StaticString
        fileprivate var offset: Int

        public mutating func next() -> Attribute? {
            guard block.endIndex - offset >= 4 else { return nil }
            let attribute = AttributeSequence.attribute(in: block, at: offset, context: context)
            offset += netlinkAligned(attribute.value.count + 4)
            return attribute
        }
    }

    public func makeIterator() -> Iterator { Iterator(block: block, context: context, offset: block.startIndex) }

    /// The last attribute of `type` (the kernel's own parsers let a later one win).
    public subscript(type: UInt16) -> Attribute? {
        offset(of: type).map { Self.attribute(in: block, at: $0, context: context) }
    }

    /// The value of the last attribute of `type` as an integer in host order, read where it lies
    /// (no ``Attribute``, so no reference count on the block); nil when there is none. Throws
    /// when the value is shorter than the integer. A read of 100,000 real servers makes about
    /// twenty of these for each.
    public func integer<Integer: FixedWidthInteger & BitwiseCopyable>(
        _ type: UInt16, as _: Integer.Type = Integer.self
    ) throws(WireDecodingError) -> Integer? {
        guard let offset = offset(of: type) else { return nil }
        var cursor = ByteCursor(block, from: offset)
        let length = Int(cursor.u16()) - 4
        let width = MemoryLayout<Integer>.size
        guard length >= width else { throw .shortAttribute(type, has: length, needs: width, context: context) }
        cursor.skip(2)
        return cursor.load(Integer.self)
    }

    /// Where the last attribute of `type` starts in the block, its header included.
    private func offset(of type: UInt16) -> Int? {
        let type = type & AttributeTypeBits.typeMask
        if Int(type) < Self.indexedTypes {
            let stored = Int(lastOffsets[Int(type)])
            return stored == 0 ? nil : block.startIndex + stored - 1
        }
        guard hasUnindexed else { return nil }
        var found: Int?
        var offset = block.startIndex
        while block.endIndex - offset >= 4 {
            var cursor = ByteCursor(block, from: offset)
            let length = Int(cursor.u16())
            if cursor.u16() & AttributeTypeBits.typeMask == type { found = offset }
            offset += netlinkAligned(length)
        }
        return found
    }

    /// The attribute at `offset`, which validation found whole.
    private static func attribute(in block: ArraySlice<UInt8>, at offset: Int, context: StaticString) -> Attribute {
        var cursor = ByteCursor(block, from: offset)
        let length = Int(cursor.u16())
        let rawType = cursor.u16()
        return Attribute(
            type: rawType & AttributeTypeBits.typeMask,
            isNested: rawType & AttributeTypeBits.nested != 0,
            value: block[(offset + 4)..<(offset + length)],
            context: context)
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

    mutating func u16() -> UInt16 { load(UInt16.self) }
    mutating func u32() -> UInt32 { load(UInt32.self) }
    mutating func u64() -> UInt64 { load(UInt64.self) }

    mutating func skip(_ count: Int) { offset += count }

    /// One unaligned little-endian load (netlink's host order on every platform we build for),
    /// bounds checked once rather than byte by byte.
    @inline(__always)
    mutating func load<T: FixedWidthInteger & BitwiseCopyable>(_: T.Type) -> T {
        let width = MemoryLayout<T>.size
        precondition(offset >= bytes.startIndex && offset + width <= bytes.endIndex, "read past the bytes")
        let start = offset - bytes.startIndex
        let value = bytes.withUnsafeBytes { $0.loadUnaligned(fromByteOffset: start, as: T.self) }
        offset += width
        return T(littleEndian: value)
    }
}
