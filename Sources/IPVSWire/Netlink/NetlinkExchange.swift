extension NetlinkConversation {
    /// One request, or one batch of requests sent in one datagram, and what has come back for it.
    ///
    /// Feed it every received datagram with ``consume(_:truncated:)`` until ``isFinished``. It
    /// hands back the data messages that answer it and keeps the rest: per-request errors, the
    /// end of a dump, an interrupted dump, and the count of replies it skipped.
    public struct Exchange: Sendable {
        public enum Kind: Hashable, Sendable {
            /// `count` write requests in one datagram, an ACK asked for on the last only
            /// (`NLM_F_ACK`). The kernel processes them in order and answers every failure, so
            /// the last one's ACK or error ends the batch; a request without an error succeeded.
            case batch(count: Int)
            /// A get without `NLM_F_ACK`: ends with its data message, or with an error.
            case get
            /// A dump (`NLM_F_DUMP`): data messages flagged `NLM_F_MULTI` across any number of
            /// datagrams, ended by `NLMSG_DONE`, or by an error.
            case dump
        }

        /// A request the kernel refused.
        public struct Failure: Hashable, Sendable {
            /// The request's position in the exchange (0 for a get or a dump).
            public var index: Int
            public var sequence: UInt32
            /// The kernel's errno, positive.
            public var errno: Int32
            /// The extended-ACK text (`NLMSGERR_ATTR_MSG`), when the kernel gave one.
            public var kernelMessage: String?

            public init(index: Int, sequence: UInt32, errno: Int32, kernelMessage: String?) {
                self.index = index
                self.sequence = sequence
                self.errno = errno
                self.kernelMessage = kernelMessage
            }
        }

        public let kind: Kind
        public let firstSequence: UInt32
        /// The port id replies must carry; nil accepts any.
        public let portID: UInt32?
        /// How many requests the exchange holds.
        public var count: Int {
            if case .batch(let count) = kind { return max(1, count) }
            return 1
        }
        public var lastSequence: UInt32 { firstSequence &+ UInt32(count - 1) }

        private var isBatch: Bool {
            if case .batch = kind { return true }
            return false
        }

        /// True once the reply that ends the exchange arrived: nothing more for it is on its way.
        public private(set) var isFinished = false
        /// Every refused request, in the order the kernel answered.
        public private(set) var failures: [Failure] = []
        /// A dump whose data or `NLMSG_DONE` carried `NLM_F_DUMP_INTR`: the table changed while it
        /// was read, so what came back may repeat or miss entries.
        public private(set) var interrupted = false
        /// Replies to an earlier request (one abandoned after its deadline), skipped.
        public private(set) var staleMessages = 0
        /// Messages for another port id, skipped.
        public private(set) var foreignMessages = 0

        init(kind: Kind, firstSequence: UInt32, portID: UInt32?) {
            self.kind = kind
            self.firstSequence = firstSequence
            self.portID = portID
        }

        /// The sequence number of the request at `index`.
        public func sequence(at index: Int) -> UInt32 {
            precondition(index >= 0 && index < count, "request \(index) is not in this exchange")
            return firstSequence &+ UInt32(index)
        }

        /// Whether the request at `index` carries `NLM_F_ACK`: only the last of a batch does, so
        /// that its ACK (or error) says the whole batch was processed. Gets and dumps end by
        /// themselves.
        public func asksForAcknowledgement(at index: Int) -> Bool {
            guard case .batch = kind else { return false }
            return index == count - 1
        }

        /// The request index a sequence number stands for, or nil when it is not one of ours.
        func index(of sequence: UInt32) -> Int? {
            let offset = Int(sequence &- firstSequence)
            return offset < count ? offset : nil
        }

        /// Reads one received datagram and returns the data messages that answer this exchange,
        /// in order. `truncated` is what the socket layer saw (`MSG_TRUNC`): a datagram cut short
        /// has lost replies, and nothing after it can be trusted.
        ///
        /// Messages for another sequence number are stale replies to an abandoned request and
        /// are skipped, as are messages for another port id; neither ends the conversation.
        public mutating func consume(_ datagram: [UInt8], truncated: Bool = false) throws(NetlinkConversationError) -> [NetlinkMessage] {
            try consume(datagram[...], truncated: truncated)
        }

        /// ``consume(_:truncated:)`` of a datagram that lies in a larger buffer (the socket's
        /// own): the messages handed back are views of it, nothing is copied.
        public mutating func consume(
            _ datagram: ArraySlice<UInt8>, truncated: Bool = false
        ) throws(NetlinkConversationError) -> [NetlinkMessage] {
            if truncated {
                throw NetlinkConversationError(
                    .truncated, "a reply datagram arrived truncated (\(datagram.count) bytes kept): replies were lost")
            }
            let messages: [NetlinkMessage]
            do {
                messages = try NetlinkDatagram.messages(in: datagram)
            } catch {
                throw NetlinkConversationError(.malformed, "a reply datagram did not split into netlink messages", cause: error)
            }
            var data: [NetlinkMessage] = []
            for message in messages where !isFinished {
                if let portID, message.header.portID != portID {
                    foreignMessages += 1
                    continue
                }
                switch message.header.type {
                case NetlinkControlType.noop:
                    continue
                case NetlinkControlType.overrun:
                    throw NetlinkConversationError(.overrun, "the kernel reported lost messages (NLMSG_OVERRUN)")
                default:
                    break
                }
                let reply: NetlinkReply
                do {
                    reply = try NetlinkDatagram.reply(message)
                } catch {
                    throw NetlinkConversationError(.malformed, "a control message did not decode", cause: error)
                }
                switch reply {
                case .data(let message):
                    // A batch of writes asks for no data; data for it can only be stale.
                    guard !isBatch, index(of: message.header.sequence) != nil else {
                        staleMessages += 1
                        continue
                    }
                    if message.header.flags.contains(.dumpInterrupted) { interrupted = true }
                    data.append(message)
                    // A get's answer is one message; a dump's parts go on until NLMSG_DONE.
                    if kind == .get { isFinished = true }
                case .acknowledgement(let sequence):
                    guard index(of: sequence) != nil else {
                        staleMessages += 1
                        continue
                    }
                    if sequence == lastSequence { isFinished = true }
                case .error(let sequence, let errno, let text):
                    guard let index = index(of: sequence) else {
                        staleMessages += 1
                        continue
                    }
                    failures.append(Failure(index: index, sequence: sequence, errno: errno, kernelMessage: text))
                    // A batch goes on past a refused request; a get or a dump ends with its error.
                    if sequence == lastSequence || !isBatch { isFinished = true }
                case .done(let sequence, let wasInterrupted):
                    guard kind == .dump, index(of: sequence) != nil else {
                        staleMessages += 1
                        continue
                    }
                    if wasInterrupted { interrupted = true }
                    // NLMSG_DONE carries an int: a dump that failed part-way says why there.
                    let errno: Int32?
                    do {
                        errno = try Self.doneError(message)
                    } catch {
                        throw NetlinkConversationError(.malformed, "a control message did not decode", cause: error)
                    }
                    if let errno {
                        failures.append(Failure(index: 0, sequence: sequence, errno: errno, kernelMessage: nil))
                    }
                    isFinished = true
                }
            }
            return data
        }

        /// The errno an `NLMSG_DONE` reports (its error field negated), when it carries one
        /// other than 0.
        static func doneError(_ message: NetlinkMessage) throws(WireDecodingError) -> Int32? {
            guard message.payload.count >= 4 else { return nil }
            var cursor = ByteCursor(message.payload)
            let field = Int32(bitPattern: cursor.u32())
            return field == 0 ? nil : try NetlinkDatagram.positiveErrno(field, context: "netlink done")
        }
    }
}
