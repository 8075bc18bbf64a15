/// The request/reply bookkeeping of one netlink socket, without the socket: which sequence
/// numbers go out, and what the datagrams that come back mean for the request that is waiting.
///
/// A pure value, so that batching, error replies, dump ends and stale replies are tested against
/// captured kernel bytes without a kernel (in the spirit of rust-netlink's split between
/// `netlink-packet-core` and `netlink-proto`). The socket layer feeds it datagrams; it never
/// reads or writes anything itself.
///
/// The kernel answers every request with the request's `nlmsg_seq` and with our socket's port id
/// in `nlmsg_pid`, so a reply is matched by both. One request (or one batch) is outstanding at a
/// time: the clients serialise their operations.
public struct NetlinkConversation: Sendable {
    /// The sequence number the next request gets; a batch is encoded with the numbers from here
    /// on before ``begin(_:)`` reserves them. Wraps around.
    public private(set) var nextSequence: UInt32
    /// Our socket's port id (`nl_pid` of its bound address), which the kernel writes into every
    /// reply. Nil accepts any: a socket whose port id could not be read.
    public var portID: UInt32?

    public init(firstSequence: UInt32 = 1, portID: UInt32? = nil) {
        self.nextSequence = firstSequence
        self.portID = portID
    }

    /// Reserves sequence numbers for one exchange: `count` consecutive ones for a batch, one for
    /// a get or a dump.
    public mutating func begin(_ kind: Exchange.Kind) -> Exchange {
        let exchange = Exchange(kind: kind, firstSequence: nextSequence, portID: portID)
        nextSequence = exchange.lastSequence &+ 1
        return exchange
    }
}

/// Why a conversation cannot go on: what arrived cannot be matched to anything any more, so the
/// socket that carried it must be replaced.
public struct NetlinkConversationError: Error, Hashable, Sendable {
    public enum Code: String, Hashable, Sendable {
        /// The socket layer reported a datagram cut short (`MSG_TRUNC`): replies were lost.
        case truncated
        /// A datagram did not split into messages, or a control message did not decode.
        case malformed
        /// `NLMSG_OVERRUN`: the kernel says it lost messages.
        case overrun
    }

    public var code: Code
    /// What happened, for a person.
    public var message: String
    /// The decoding failure underneath, for `.malformed`.
    public var cause: WireDecodingError?

    public init(_ code: Code, _ message: String, cause: WireDecodingError? = nil) {
        self.code = code
        self.message = message
        self.cause = cause
    }
}

extension NetlinkConversationError: CustomStringConvertible {
    public var description: String {
        message + (cause.map { " [\($0)]" } ?? "")
    }
}
