/// The fixed header of every netlink message. Corresponds to `struct nlmsghdr`; all fields are
/// in host byte order on the wire.
public struct NetlinkMessageHeader: Hashable, Sendable {
    /// Corresponds to `nlmsg_len`: header included.
    public var length: UInt32
    /// Corresponds to `nlmsg_type`: a control type or, for generic netlink, the family id.
    public var type: UInt16
    /// Corresponds to `nlmsg_flags`.
    public var flags: NetlinkMessageFlags
    /// Corresponds to `nlmsg_seq`.
    public var sequence: UInt32
    /// Corresponds to `nlmsg_pid`.
    public var portID: UInt32

    public static let size = 16

    public init(length: UInt32, type: UInt16, flags: NetlinkMessageFlags, sequence: UInt32, portID: UInt32) {
        self.length = length
        self.type = type
        self.flags = flags
        self.sequence = sequence
        self.portID = portID
    }
}

/// Corresponds to the `NLM_F_*` flags of `nlmsg_flags`.
public struct NetlinkMessageFlags: OptionSet, Hashable, Sendable {
    public var rawValue: UInt16
    public init(rawValue: UInt16) { self.rawValue = rawValue }

    /// Corresponds to `NLM_F_REQUEST`.
    public static let request = NetlinkMessageFlags(rawValue: 0x01)
    /// Corresponds to `NLM_F_MULTI`: part of a multi-part reply ended by `NLMSG_DONE`.
    public static let multi = NetlinkMessageFlags(rawValue: 0x02)
    /// Corresponds to `NLM_F_ACK`.
    public static let ack = NetlinkMessageFlags(rawValue: 0x04)
    /// Corresponds to `NLM_F_DUMP_INTR`: the table changed while it was dumped.
    public static let dumpInterrupted = NetlinkMessageFlags(rawValue: 0x10)
    /// Corresponds to `NLM_F_DUMP` (`NLM_F_ROOT | NLM_F_MATCH`).
    public static let dump = NetlinkMessageFlags(rawValue: 0x300)
    /// Corresponds to `NLM_F_CAPPED` on an error: the request's payload is not echoed.
    public static let capped = NetlinkMessageFlags(rawValue: 0x100)
    /// Corresponds to `NLM_F_ACK_TLVS` on an error: extended-ACK attributes follow.
    public static let acknowledgementTLVs = NetlinkMessageFlags(rawValue: 0x200)
}

/// Netlink's own message types.
public enum NetlinkControlType {
    /// Corresponds to `NLMSG_NOOP`.
    public static let noop: UInt16 = 1
    /// Corresponds to `NLMSG_ERROR`: an error, or an ACK when the error is 0.
    public static let error: UInt16 = 2
    /// Corresponds to `NLMSG_DONE`: the end of a dump.
    public static let done: UInt16 = 3
    /// Corresponds to `NLMSG_OVERRUN`.
    public static let overrun: UInt16 = 4
}

/// Corresponds to `struct genlmsghdr`, which follows the netlink header in generic netlink.
public struct GenericNetlinkHeader: Hashable, Sendable {
    public var command: UInt8
    public var version: UInt8

    public static let size = 4

    public init(command: UInt8, version: UInt8) {
        self.command = command
        self.version = version
    }
}

/// Corresponds to `NLMSGERR_ATTR_*`, the extended-ACK attributes after an error.
enum ExtendedAcknowledgementAttribute {
    /// Corresponds to `NLMSGERR_ATTR_MSG`: a human-readable reason.
    static let message: UInt16 = 1
    /// Corresponds to `NLMSGERR_ATTR_OFFS`: the offset of the offending attribute.
    static let offset: UInt16 = 2
}

/// Netlink's 4-byte alignment. Corresponds to `NLMSG_ALIGN` and `NLA_ALIGN`.
@inline(__always)
func netlinkAligned(_ length: Int) -> Int { (length + 3) & ~3 }

/// Corresponds to `NLA_F_NESTED`, and the mask that strips it and `NLA_F_NET_BYTEORDER`.
enum AttributeTypeBits {
    static let nested: UInt16 = 0x8000
    static let typeMask: UInt16 = 0x3FFF
}
