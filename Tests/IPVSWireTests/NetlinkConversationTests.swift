import IPVSWire
import Testing

/// The request/reply bookkeeping held to datagrams the kernel sent (Fixtures/KernelCaptures.swift):
/// sequence numbers, the ACK of a batch, per-request errors, dumps ending or interrupted, and the
/// replies it must skip. Batches and failures the capture has no datagram for are made from its
/// datagrams with only the sequence number, port id, flags or error field changed.
struct NetlinkConversationTests {
    /// The port id the capture's socket was bound to, in every reply.
    static let portID: UInt32 = 2_545_942_772
    static let eexist: Int32 = 17

    /// The captured ACK (of SET_CONFIG, sequence 4) and EEXIST error (NEW_SERVICE, sequence 10).
    static var ack: [UInt8] { KernelCaptures.setTimeouts.received[0] }
    static var duplicateError: [UInt8] { KernelCaptures.newServiceDuplicate.received[0] }

    // MARK: - Rewriting captured datagrams

    static func setU32(_ value: UInt32, at offset: Int, in bytes: inout [UInt8]) {
        for index in 0..<4 { bytes[offset + index] = UInt8(truncatingIfNeeded: value >> (8 * UInt32(index))) }
    }

    static func u32(at offset: Int, in bytes: [UInt8]) -> UInt32 {
        (0..<4).reduce(UInt32(0)) { $0 | UInt32(bytes[offset + $1]) << (8 * UInt32($1)) }
    }

    /// A one-message reply answering `sequence`: the header's and, for NLMSG_ERROR, the echoed
    /// request header's sequence number (16 + 4 error + 8 into the message).
    static func reply(_ datagram: [UInt8], sequence: UInt32) -> [UInt8] {
        var bytes = datagram
        setU32(sequence, at: 8, in: &bytes)
        if bytes[4] == 2 { setU32(sequence, at: 28, in: &bytes) }
        return bytes
    }

    /// Every message of `datagrams` with `change` applied to its header bytes, the datagrams kept.
    static func rewritingHeaders(_ datagrams: [[UInt8]], _ change: (inout [UInt8], Int) -> Void) -> [[UInt8]] {
        datagrams.map { datagram in
            var bytes = datagram
            var offset = 0
            while offset + 16 <= bytes.count {
                let length = Int(u32(at: offset, in: bytes))
                change(&bytes, offset)
                offset += (length + 3) & ~3
            }
            return bytes
        }
    }

    static func beginning(at sequence: UInt32, _ kind: NetlinkConversation.Exchange.Kind) -> NetlinkConversation.Exchange {
        var conversation = NetlinkConversation(firstSequence: sequence, portID: portID)
        return conversation.begin(kind)
    }

    // MARK: - Sequence numbers and the ACK

    @Test("sequence numbers: consecutive per batch, the ACK asked on the last message only")
    func sequenceNumbers() {
        var conversation = NetlinkConversation(firstSequence: 7)
        let batch = conversation.begin(.batch(count: 3))
        #expect((0..<3).map { batch.sequence(at: $0) } == [7, 8, 9])
        #expect((0..<3).map { batch.asksForAcknowledgement(at: $0) } == [false, false, true])
        #expect(batch.lastSequence == 9)
        let get = conversation.begin(.get)
        #expect(get.firstSequence == 10)
        #expect(!get.asksForAcknowledgement(at: 0))
        let dump = conversation.begin(.dump)
        #expect(dump.firstSequence == 11)
        #expect(conversation.nextSequence == 12)
    }

    @Test("sequence numbers wrap around without losing a batch's last reply")
    func wrapAround() throws {
        var exchange = Self.beginning(at: UInt32.max, .batch(count: 2))
        #expect(exchange.lastSequence == 0)
        _ = try exchange.consume(Self.reply(Self.duplicateError, sequence: UInt32.max))
        #expect(!exchange.isFinished)
        _ = try exchange.consume(Self.reply(Self.ack, sequence: 0))
        #expect(exchange.isFinished)
        #expect(exchange.failures.map(\.index) == [0])
    }

    // MARK: - Single requests

    @Test("every captured write: one request, its ACK or its error ends it", arguments: 0..<16)
    func singleWrite(index: Int) throws {
        let (capture, _, sequence) = KernelFixtureTests.writes[index]
        var exchange = Self.beginning(at: sequence, .batch(count: 1))
        var data: [NetlinkMessage] = []
        for datagram in capture.received { data += try exchange.consume(datagram) }
        #expect(exchange.isFinished)
        #expect(data.isEmpty)
        #expect(exchange.staleMessages == 0 && exchange.foreignMessages == 0)
        if capture.sent == KernelCaptures.newServiceDuplicate.sent {
            #expect(exchange.failures == [.init(index: 0, sequence: sequence, errno: Self.eexist, kernelMessage: nil)])
        } else {
            #expect(exchange.failures.isEmpty)
        }
    }

    @Test("a get ends with its one data message")
    func get() throws {
        var exchange = Self.beginning(at: 2, .get)
        let data = try exchange.consume(KernelCaptures.getInfo.received[0])
        #expect(exchange.isFinished)
        #expect(data.count == 1)
        #expect(try IPVSReplyDecoder.info(from: data[0]).connectionTableSize == 4096)
    }

    @Test("a get the kernel refuses ends with its error")
    func refusedGet() throws {
        var exchange = Self.beginning(at: 18, .get)
        let data = try exchange.consume(Self.reply(Self.duplicateError, sequence: 18))
        #expect(exchange.isFinished)
        #expect(data.isEmpty)
        #expect(exchange.failures.map(\.errno) == [Self.eexist])
    }

    // MARK: - Batches

    /// A batch of `count` writes whose request `failing` the kernel refused: one datagram per
    /// reply, as the kernel queues them (an error per refused request, the ACK of the last).
    static func batchReplies(count: Int, failing: Set<Int>, first: UInt32) -> [[UInt8]] {
        var datagrams = failing.sorted().map { reply(duplicateError, sequence: first &+ UInt32($0)) }
        if !failing.contains(count - 1) { datagrams.append(reply(ack, sequence: first &+ UInt32(count - 1))) }
        return datagrams
    }

    @Test("a batch of 6 with an error on message k: only k fails, the batch ends at its last reply", arguments: 0..<6)
    func batchWithOneError(failing: Int) throws {
        var exchange = Self.beginning(at: 100, .batch(count: 6))
        let datagrams = Self.batchReplies(count: 6, failing: [failing], first: 100)
        for (position, datagram) in datagrams.enumerated() {
            #expect(!exchange.isFinished, "finished before reply \(position)")
            #expect(try exchange.consume(datagram).isEmpty)
        }
        #expect(exchange.isFinished)
        #expect(exchange.failures == [.init(index: failing, sequence: 100 + UInt32(failing), errno: Self.eexist, kernelMessage: nil)])
    }

    @Test("the 16 captured writes as one batch: the kernel's bytes, renumbered, NLM_F_ACK on the last only")
    func batchEncoding() throws {
        var conversation = NetlinkConversation(firstSequence: 200, portID: Self.portID)
        let writes = KernelFixtureTests.writes
        let exchange = conversation.begin(.batch(count: writes.count))
        var writer = NetlinkMessageWriter()
        var expected: [UInt8] = []
        for (index, (capture, request, _)) in writes.enumerated() {
            let acknowledge = exchange.asksForAcknowledgement(at: index)
            request.encode(into: &writer, family: KernelCaptures.family, sequence: exchange.sequence(at: index), acknowledge: acknowledge)
            var sent = capture.sent
            Self.setU32(exchange.sequence(at: index), at: 8, in: &sent)
            if !acknowledge { sent[6] &= ~0x04 }
            expected += sent
        }
        #expect(writer.bytes == expected)
        let messages = try NetlinkDatagram.messages(in: writer.bytes)
        #expect(messages.map(\.header.sequence) == Array(200..<216))
        #expect(messages.map { $0.header.flags.contains(.ack) } == Array(repeating: false, count: 15) + [true])
    }

    @Test("a batch whose every message fails, all replies in one datagram")
    func batchAllFailing() throws {
        var exchange = Self.beginning(at: 40, .batch(count: 4))
        let datagram = Self.batchReplies(count: 4, failing: [0, 1, 2, 3], first: 40).flatMap { $0 }
        _ = try exchange.consume(datagram)
        #expect(exchange.isFinished)
        #expect(exchange.failures.map(\.index) == [0, 1, 2, 3])
    }

    @Test("an ACK for a message in the middle of a batch does not end it")
    func middleAcknowledgement() throws {
        var exchange = Self.beginning(at: 50, .batch(count: 3))
        _ = try exchange.consume(Self.reply(Self.ack, sequence: 51))
        #expect(!exchange.isFinished)
        _ = try exchange.consume(Self.reply(Self.ack, sequence: 52))
        #expect(exchange.isFinished)
        #expect(exchange.failures.isEmpty)
    }

    // MARK: - Dumps

    @Test("a service dump across two datagrams ends with NLMSG_DONE")
    func dumpAcrossDatagrams() throws {
        var exchange = Self.beginning(at: 16, .dump)
        let received = KernelCaptures.dumpServices.received
        try #require(received.count == 2)
        let first = try exchange.consume(received[0])
        #expect(first.count == 5)
        #expect(!exchange.isFinished)
        #expect(try exchange.consume(received[1]).isEmpty)
        #expect(exchange.isFinished)
        #expect(!exchange.interrupted)
        #expect(exchange.failures.isEmpty)
        #expect(try first.map { try IPVSReplyDecoder.virtualService(from: $0).service.key }.contains(KernelFixtureTests.mark))
    }

    @Test("a dump split one message per datagram gives the same messages")
    func dumpOneMessagePerDatagram() throws {
        var exchange = Self.beginning(at: 16, .dump)
        let messages = try KernelCaptures.dumpServices.received.flatMap { try NetlinkDatagram.messages(in: $0) }
        var data: [NetlinkMessage] = []
        for message in messages {
            #expect(!exchange.isFinished)
            let header = Self.header(of: message)
            data += try exchange.consume(header + Array(message.payload))
        }
        #expect(exchange.isFinished)
        #expect(data.count == 5)
    }

    /// The 16 header bytes of `message`, rebuilt.
    static func header(of message: NetlinkMessage) -> [UInt8] {
        var bytes = [UInt8](repeating: 0, count: 16)
        setU32(message.header.length, at: 0, in: &bytes)
        bytes[4] = UInt8(truncatingIfNeeded: message.header.type)
        bytes[5] = UInt8(truncatingIfNeeded: message.header.type >> 8)
        bytes[6] = UInt8(truncatingIfNeeded: message.header.flags.rawValue)
        bytes[7] = UInt8(truncatingIfNeeded: message.header.flags.rawValue >> 8)
        setU32(message.header.sequence, at: 8, in: &bytes)
        setU32(message.header.portID, at: 12, in: &bytes)
        return bytes
    }

    @Test("NLMSG_DONE with an error field ends the dump with that error")
    func doneWithError() throws {
        var exchange = Self.beginning(at: 17, .dump)
        var done = KernelCaptures.dumpRealServers.received[1]
        try #require(done.count == 20 && done[4] == 3)
        Self.setU32(UInt32(bitPattern: -4), at: 16, in: &done)  // -EINTR
        #expect(try exchange.consume(KernelCaptures.dumpRealServers.received[0]).count == 1)
        _ = try exchange.consume(done)
        #expect(exchange.isFinished)
        #expect(exchange.failures == [.init(index: 0, sequence: 17, errno: 4, kernelMessage: nil)])
    }

    @Test("a dump the kernel refuses ends with its error, not waiting for NLMSG_DONE")
    func refusedDump() throws {
        var exchange = Self.beginning(at: 17, .dump)
        _ = try exchange.consume(Self.reply(Self.duplicateError, sequence: 17))
        #expect(exchange.isFinished)
        #expect(exchange.failures.map(\.errno) == [Self.eexist])
    }

    @Test("NLM_F_DUMP_INTR on a data message or on NLMSG_DONE marks the dump interrupted", arguments: [false, true])
    func dumpInterrupted(onDone: Bool) throws {
        var exchange = Self.beginning(at: 16, .dump)
        var received = KernelCaptures.dumpServices.received
        let target = onDone ? 1 : 0
        received[target] = Self.rewritingHeaders([received[target]]) { bytes, offset in bytes[offset + 6] |= 0x10 }[0]
        for datagram in received { _ = try exchange.consume(datagram) }
        #expect(exchange.isFinished)
        #expect(exchange.interrupted)
        #expect(exchange.failures.isEmpty)
    }

    // MARK: - Replies that are not ours

    @Test("replies to an earlier, abandoned request are skipped, not fatal")
    func staleReplies() throws {
        var exchange = Self.beginning(at: 17, .dump)
        // The remains of dump 16 (timed out) and of write 10, before dump 17's own replies.
        let stale = KernelCaptures.dumpServices.received + [Self.reply(Self.duplicateError, sequence: 10), Self.ack]
        for datagram in stale {
            #expect(try exchange.consume(datagram).isEmpty)
            #expect(!exchange.isFinished)
        }
        #expect(exchange.staleMessages == 6 + 2)
        var data: [NetlinkMessage] = []
        for datagram in KernelCaptures.dumpRealServers.received { data += try exchange.consume(datagram) }
        #expect(exchange.isFinished)
        #expect(data.count == 1)
        #expect(exchange.failures.isEmpty)
    }

    @Test("a stale error for a sequence just before a batch is not counted against it")
    func staleErrorBeforeBatch() throws {
        var exchange = Self.beginning(at: 30, .batch(count: 2))
        _ = try exchange.consume(Self.reply(Self.duplicateError, sequence: 29))
        _ = try exchange.consume(Self.reply(Self.ack, sequence: 31))
        #expect(exchange.isFinished)
        #expect(exchange.failures.isEmpty)
        #expect(exchange.staleMessages == 1)
    }

    @Test("a reply carrying another port id is skipped; without a known port id it is taken")
    func foreignPort() throws {
        let foreign = Self.rewritingHeaders([KernelCaptures.getInfo.received[0]]) { bytes, offset in
            Self.setU32(4242, at: offset + 12, in: &bytes)
        }[0]
        var exchange = Self.beginning(at: 2, .get)
        #expect(try exchange.consume(foreign).isEmpty)
        #expect(!exchange.isFinished)
        #expect(exchange.foreignMessages == 1)
        #expect(try exchange.consume(KernelCaptures.getInfo.received[0]).count == 1)
        #expect(exchange.isFinished)

        var anyPort = NetlinkConversation(firstSequence: 2)
        var open = anyPort.begin(.get)
        #expect(try open.consume(foreign).count == 1)
        #expect(open.isFinished)
    }

    // MARK: - A stream that cannot go on

    @Test("a datagram the socket reports truncated fails the conversation")
    func truncated() {
        var exchange = Self.beginning(at: 16, .dump)
        let error = #expect(throws: NetlinkConversationError.self) {
            _ = try exchange.consume(Array(KernelCaptures.dumpServices.received[0].prefix(4096)), truncated: true)
        }
        #expect(error?.code == .truncated)
        #expect(!exchange.isFinished)
    }

    @Test("a datagram cut inside a message is malformed, with the decoding error underneath")
    func cutShort() {
        var exchange = Self.beginning(at: 16, .dump)
        let error = #expect(throws: NetlinkConversationError.self) {
            _ = try exchange.consume(Array(KernelCaptures.dumpServices.received[0].prefix(100)))
        }
        #expect(error?.code == .malformed)
        #expect(error?.cause?.code == .truncated)
    }

    @Test("NLMSG_OVERRUN fails the conversation")
    func overrun() {
        var exchange = Self.beginning(at: 4, .batch(count: 1))
        var overrun = Self.ack
        overrun[4] = 4
        let error = #expect(throws: NetlinkConversationError.self) { _ = try exchange.consume(overrun) }
        #expect(error?.code == .overrun)
    }
}
