/// Builds netlink datagrams: any number of messages, each with attributes and nests, in one
/// contiguous buffer ready for a single `sendmsg`.
public struct NetlinkMessageWriter: Sendable {
    public private(set) var bytes: [UInt8] = []
    private var messageStart: Int?
    private var nestStarts: [Int] = []

    public init(capacity: Int = 4096) {
        bytes.reserveCapacity(capacity)
    }

    /// Where each complete message starts.
    private var messageOffsets: [Int] = []

    /// Number of messages written so far.
    public var messageCount: Int { messageOffsets.count }

    public var isEmpty: Bool { bytes.isEmpty }

    /// Starts a generic-netlink message; attributes follow until ``endMessage()``.
    public mutating func beginMessage(
        type: UInt16, flags: NetlinkMessageFlags, sequence: UInt32, portID: UInt32 = 0,
        genericHeader: GenericNetlinkHeader
    ) {
        precondition(messageStart == nil, "beginMessage called twice without endMessage")
        messageStart = bytes.count
        append(UInt32(0))  // length, patched by endMessage
        append(type)
        append(flags.rawValue)
        append(sequence)
        append(portID)
        bytes.append(genericHeader.command)
        bytes.append(genericHeader.version)
        append(UInt16(0))  // reserved
    }

    public mutating func endMessage() {
        guard let start = messageStart else { preconditionFailure("endMessage without beginMessage") }
        precondition(nestStarts.isEmpty, "endMessage with an open nest")
        patchLength(at: start, length: bytes.count - start, width: 4)
        messageStart = nil
        messageOffsets.append(start)
    }

    public mutating func beginNest(_ type: UInt16) {
        nestStarts.append(bytes.count)
        append(UInt16(4))
        append(type | AttributeTypeBits.nested)
    }

    public mutating func endNest() {
        let start = nestStarts.removeLast()
        patchLength(at: start, length: bytes.count - start, width: 2)
    }

    public mutating func attribute(_ type: UInt16, _ value: UInt8) {
        attribute(type, payloadLength: 1) { $0.bytes.append(value) }
    }

    public mutating func attribute(_ type: UInt16, _ value: UInt16) {
        attribute(type, payloadLength: 2) { $0.append(value) }
    }

    public mutating func attribute(_ type: UInt16, _ value: UInt32) {
        attribute(type, payloadLength: 4) { $0.append(value) }
    }

    public mutating func attribute(_ type: UInt16, _ value: UInt64) {
        attribute(type, payloadLength: 8) { $0.append(value) }
    }

    /// A 16-bit value in network byte order (ports).
    public mutating func attribute(_ type: UInt16, bigEndian value: UInt16) {
        attribute(type, payloadLength: 2) { $0.append(value.bigEndian) }
    }

    public mutating func attribute(_ type: UInt16, bytes value: [UInt8]) {
        attribute(type, payloadLength: value.count) { $0.bytes.append(contentsOf: value) }
    }

    /// A NUL-terminated string, as the kernel's `NLA_NUL_STRING` policy wants.
    public mutating func attribute(_ type: UInt16, string value: String) {
        let utf8 = Array(value.utf8)
        attribute(type, payloadLength: utf8.count + 1) {
            $0.bytes.append(contentsOf: utf8)
            $0.bytes.append(0)
        }
    }

    private mutating func attribute(_ type: UInt16, payloadLength: Int, _ body: (inout Self) -> Void) {
        append(UInt16(4 + payloadLength))
        append(type)
        body(&self)
        pad()
    }

    private mutating func pad() {
        let padding = netlinkAligned(bytes.count) - bytes.count
        if padding > 0 { bytes.append(contentsOf: repeatElement(0, count: padding)) }
    }

    private mutating func append<T: FixedWidthInteger>(_ value: T) {
        withUnsafeBytes(of: value) { bytes.append(contentsOf: $0) }
    }

    private mutating func patchLength(at offset: Int, length: Int, width: Int) {
        var value = length
        for index in 0..<width {
            // Host byte order, which is little-endian on every platform Swift on Linux targets.
            bytes[offset + index] = UInt8(truncatingIfNeeded: value)
            value >>= 8
        }
    }

    /// Empties the buffer and keeps its capacity, for the next batch.
    public mutating func removeAll() {
        precondition(messageStart == nil && nestStarts.isEmpty, "removeAll inside a message")
        bytes.removeAll(keepingCapacity: true)
        messageOffsets.removeAll(keepingCapacity: true)
    }

    /// Removes the last complete message (one that would not fit the datagram).
    public mutating func removeLastMessage() {
        precondition(messageStart == nil, "removeLastMessage inside a message")
        guard let start = messageOffsets.popLast() else { return }
        bytes.removeSubrange(start...)
    }

    /// Sets `NLM_F_ACK` on the last complete message: a batch asks for one ACK, at its end.
    public mutating func setAcknowledgeOnLastMessage() {
        guard let start = messageOffsets.last else { return }
        // nlmsg_flags sits after nlmsg_len (4) and nlmsg_type (2), in host (little-endian) order.
        bytes[start + 6] |= UInt8(NetlinkMessageFlags.ack.rawValue & 0xFF)
    }
}
