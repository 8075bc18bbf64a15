import IPVSWire
import Logging

/// A socket a ``NetlinkSession`` can hold: whatever opened it (libnl, for a family or a
/// protocol), with its datagrams going through one ``NetlinkDatagramSocket``.
protocol NetlinkEndpoint: AnyObject {
    var datagrams: NetlinkDatagramSocket { get }
}

/// A client's side of its netlink conversation: the socket in use (replaced by
/// ``SocketReplacementRule`` when it must be), the sequence numbers and reply matching
/// (``NetlinkConversation``), and what outlives any one socket: the receive buffer size learned
/// from the largest datagram, and the counters.
///
/// Both clients hold one inside their lock; it is not thread-safe by itself.
struct NetlinkSession<Endpoint: NetlinkEndpoint> {
    struct Counters: Hashable, Sendable {
        var socketsOpened = 0
        var datagramsSent = 0
        var datagramsReceived = 0
        var socketsReplaced = 0
    }

    /// Sees every datagram sent and received.
    typealias Observer = (IPVSClient.DatagramDirection, [UInt8]) -> Void

    private(set) var endpoint: Endpoint?
    private(set) var conversation: NetlinkConversation
    /// The receive buffer a new socket starts with: the largest any socket of this session grew
    /// to, so a reply that once needed more is never cut again.
    private(set) var receiveBufferSize: Int
    private(set) var counters = Counters()
    /// How the logs name the socket ("ipvs netlink", "rtnetlink").
    private let label: String
    private let logger: Logger

    init(opened endpoint: Endpoint, label: String, logger: Logger) {
        self.endpoint = endpoint
        self.receiveBufferSize = endpoint.datagrams.receiveBufferSize
        self.conversation = NetlinkConversation(portID: endpoint.datagrams.portID)
        self.label = label
        self.logger = logger
        counters.socketsOpened = 1
    }

    /// The socket to use, opened with the learned receive buffer size when the last one was
    /// replaced.
    mutating func current(opening open: (_ receiveBufferSize: Int) throws(IPVSError) -> Endpoint) throws(IPVSError) -> Endpoint {
        if let endpoint { return endpoint }
        let opened = try open(receiveBufferSize)
        endpoint = opened
        // Replies to a new port cannot be confused with the old one's; the sequence goes on.
        conversation.portID = opened.datagrams.portID
        counters.socketsOpened += 1
        logger.info("\(label) socket reopened", metadata: ["receiveBuffer": "\(receiveBufferSize)"])
        return opened
    }

    /// Reserves sequence numbers for one exchange.
    mutating func begin(_ kind: NetlinkConversation.Exchange.Kind) -> NetlinkConversation.Exchange {
        conversation.begin(kind)
    }

    /// Sends `datagram` on `endpoint`, reads replies until `exchange` is finished, and returns
    /// the data messages that answer it, in order, copied out of the socket's buffer. Throws when
    /// the conversation itself failed; the socket has then been kept or replaced by the rule.
    /// Per-request refusals are in `exchange.failures`, not thrown.
    mutating func converse(
        _ exchange: inout NetlinkConversation.Exchange, sending datagram: [UInt8], on endpoint: Endpoint,
        before deadline: ContinuousClock.Instant, observer: Observer? = nil
    ) throws(IPVSError) -> [NetlinkMessage] {
        var data: [NetlinkMessage] = []
        _ = try converse(&exchange, sending: datagram, on: endpoint, before: deadline, observer: observer) {
            message throws(WireDecodingError) in
            data.append(NetlinkMessage(header: message.header, payload: ArraySlice(Array(message.payload))))
        }
        return data
    }

    /// Sends `datagram` on `endpoint`, reads replies until `exchange` is finished, and hands each
    /// data message that answers it to `handle`, in order, while it still lies in the socket's
    /// buffer: nothing is copied on the way. Throws when the conversation itself failed; the
    /// socket has then been kept or replaced by the rule. Per-request refusals are in
    /// `exchange.failures`, not thrown.
    ///
    /// The first message `handle` cannot decode is returned, not thrown, once the exchange is
    /// over: the replies after it are still read (and not handed over), so a reply we cannot
    /// decode leaves a clean socket behind.
    mutating func converse(
        _ exchange: inout NetlinkConversation.Exchange, sending datagram: [UInt8], on endpoint: Endpoint,
        before deadline: ContinuousClock.Instant, observer: Observer? = nil,
        handle: (NetlinkMessage) throws(WireDecodingError) -> Void
    ) throws(IPVSError) -> WireDecodingError? {
        var undecoded: WireDecodingError?
        do throws(IPVSError) {
            observer?(.sent, datagram)
            try endpoint.datagrams.send(datagram)
            counters.datagramsSent += 1
            while !exchange.isFinished {
                let received = try endpoint.datagrams.receive(before: deadline)
                receiveBufferSize = max(receiveBufferSize, endpoint.datagrams.receiveBufferSize)
                counters.datagramsReceived += 1
                observer?(.received, Array(received.bytes))
                let messages: [NetlinkMessage]
                do {
                    messages = try exchange.consume(received.bytes, truncated: received.truncated)
                } catch {
                    throw IPVSError(conversation: error)
                }
                for message in messages where undecoded == nil {
                    do {
                        try handle(message)
                    } catch {
                        undecoded = error
                    }
                }
            }
            if exchange.staleMessages + exchange.foreignMessages > 0 {
                logger.debug(
                    "\(label) replies skipped",
                    metadata: [
                        "stale": "\(exchange.staleMessages)", "foreignPort": "\(exchange.foreignMessages)",
                    ])
            }
            return undecoded
        } catch {
            settle(after: error, repliesOutstanding: !exchange.isFinished)
            throw error
        }
    }

    /// Applies ``SocketReplacementRule`` to the socket in use after `error`.
    mutating func settle(after error: IPVSError, repliesOutstanding: Bool) {
        guard endpoint != nil,
            SocketReplacementRule.decide(after: error, repliesOutstanding: repliesOutstanding) == .replace
        else { return }
        logger.warning("\(label) socket replaced", metadata: ["error": "\(error)"])
        endpoint = nil
        counters.socketsReplaced += 1
    }
}
