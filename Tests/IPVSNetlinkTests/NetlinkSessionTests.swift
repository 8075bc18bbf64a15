import Foundation
import IPVSWire
import Logging
import Testing

@testable import IPVSNetlink

/// The socket layer without a kernel: an `AF_UNIX` datagram socket pair stands in for the netlink
/// socket, the test writing netlink-shaped replies on the far end. What is under test is what
/// the two clients share: whole datagrams whatever their size, the deadline, and when a socket is
/// kept or replaced.
struct NetlinkSessionTests {
    /// One end of a socket pair, as a session's endpoint; the other end plays the kernel.
    final class FakeEndpoint: NetlinkEndpoint {
        let datagrams: NetlinkDatagramSocket
        let kernel: Int32
        private let local: Int32

        init(
            receiveBufferSize: Int = NetlinkDatagramSocket.minimumReceiveBuffer,
            maximumReceiveBuffer: Int = NetlinkDatagramSocket.defaultMaximumReceiveBuffer
        ) {
            var pair: [Int32] = [0, 0]
            precondition(socketpair(AF_UNIX, Int32(SOCK_DGRAM.rawValue), 0, &pair) == 0, "socketpair failed")
            local = pair[0]
            kernel = pair[1]
            // Room for the large datagrams below.
            var size: Int32 = 1 << 20
            _ = setsockopt(kernel, SOL_SOCKET, SO_SNDBUF, &size, socklen_t(MemoryLayout<Int32>.size))
            _ = setsockopt(local, SOL_SOCKET, SO_RCVBUF, &size, socklen_t(MemoryLayout<Int32>.size))
            datagrams = NetlinkDatagramSocket(
                descriptor: local, receiveBufferSize: receiveBufferSize,
                maximumReceiveBuffer: maximumReceiveBuffer)
        }

        deinit {
            close(local)
            close(kernel)
        }

        /// Queues `bytes` as one datagram for the session to read.
        func reply(_ bytes: [UInt8]) {
            let sent = bytes.withUnsafeBytes { send(kernel, $0.baseAddress, $0.count, 0) }
            precondition(sent == bytes.count, "send failed: \(errno)")
        }
    }

    // MARK: - Netlink-shaped datagrams

    static func header(length: Int, type: UInt16, flags: UInt16, sequence: UInt32) -> [UInt8] {
        var bytes: [UInt8] = []
        withUnsafeBytes(of: UInt32(length).littleEndian) { bytes += $0 }
        withUnsafeBytes(of: type.littleEndian) { bytes += $0 }
        withUnsafeBytes(of: flags.littleEndian) { bytes += $0 }
        withUnsafeBytes(of: sequence.littleEndian) { bytes += $0 }
        bytes += [0, 0, 0, 0]
        return bytes
    }

    /// `NLMSG_ERROR` for `sequence`: an ACK when `errno` is 0, capped (the request's header only).
    static func errorReply(sequence: UInt32, errno: Int32 = 0) -> [UInt8] {
        var bytes = header(length: 36, type: 2, flags: 0x100, sequence: sequence)
        withUnsafeBytes(of: (-errno).littleEndian) { bytes += $0 }
        return bytes + header(length: 20, type: 32, flags: 0x5, sequence: sequence)
    }

    /// A dump part of `size` bytes (one data message), then `NLMSG_DONE`.
    static func dumpPart(sequence: UInt32, size: Int, fill: UInt8 = 0xAB) -> [UInt8] {
        header(length: size, type: 32, flags: 0x2, sequence: sequence) + [UInt8](repeating: fill, count: size - 16)
    }

    static func done(sequence: UInt32) -> [UInt8] {
        header(length: 20, type: 3, flags: 0x2, sequence: sequence) + [0, 0, 0, 0]
    }

    static func session(_ endpoint: FakeEndpoint) -> NetlinkSession<FakeEndpoint> {
        NetlinkSession(opened: endpoint, label: "test", logger: Logger(label: "test"))
    }

    static var soon: ContinuousClock.Instant { .now.advanced(by: .milliseconds(100)) }
    static var later: ContinuousClock.Instant { .now.advanced(by: .seconds(5)) }

    // MARK: - The rule

    @Test("the rule: socket-level failures replace; anything else replaces only mid-exchange")
    func rule() {
        let socketLevel: [IPVSError.Code] = [.timedOut, .socketFailure, .receiveOverrun, .replyTruncated]
        let others: [IPVSError.Code] = [.commandFailed, .permissionDenied, .dumpInterrupted, .malformedReply]
        for code in socketLevel {
            for outstanding in [false, true] {
                #expect(SocketReplacementRule.decide(after: IPVSError(code, "x"), repliesOutstanding: outstanding) == .replace, "\(code)")
            }
        }
        for code in others {
            #expect(SocketReplacementRule.decide(after: IPVSError(code, "x"), repliesOutstanding: false) == .keep, "\(code)")
            #expect(SocketReplacementRule.decide(after: IPVSError(code, "x"), repliesOutstanding: true) == .replace, "\(code)")
        }
    }

    // MARK: - The datagram socket

    @Test("a datagram larger than the buffer is read whole: the buffer grows to it first, and stays grown")
    func largeDatagram() throws {
        let endpoint = FakeEndpoint()
        let large = Self.dumpPart(sequence: 1, size: 100_000)
        endpoint.reply(large)
        endpoint.reply(large)
        endpoint.reply(Self.done(sequence: 1))
        let first = try endpoint.datagrams.receive(before: Self.later)
        #expect(!first.truncated)
        #expect(Array(first.bytes) == large)
        #expect(endpoint.datagrams.receiveBufferSize == 128 * 1024)
        let second = try endpoint.datagrams.receive(before: Self.later)
        #expect(!second.truncated)
        #expect(Array(second.bytes) == large)
        #expect(Array(try endpoint.datagrams.receive(before: Self.later).bytes) == Self.done(sequence: 1))
        #expect(endpoint.datagrams.receiveBufferSize == 128 * 1024)
    }

    @Test("each receive takes exactly one datagram, into the same buffer, however many are queued")
    func oneDatagramPerReceive() throws {
        let endpoint = FakeEndpoint()
        let parts = (0..<50).map { Self.dumpPart(sequence: 1, size: 64 + 4 * $0, fill: UInt8($0)) }
        for part in parts { endpoint.reply(part) }
        for part in parts {
            let received = try endpoint.datagrams.receive(before: Self.later)
            #expect(Array(received.bytes) == part)
        }
        #expect(endpoint.datagrams.receiveBufferSize == NetlinkDatagramSocket.minimumReceiveBuffer)
        let error = #expect(throws: IPVSError.self) { _ = try endpoint.datagrams.receive(before: Self.soon) }
        #expect(error?.code == .timedOut)
    }

    @Test("nothing to read: a typed timeout at the deadline, not a hang")
    func timeout() {
        let endpoint = FakeEndpoint()
        let started = ContinuousClock.now
        let error = #expect(throws: IPVSError.self) { _ = try endpoint.datagrams.receive(before: Self.soon) }
        #expect(error?.code == .timedOut)
        #expect(ContinuousClock.now - started < .seconds(3))
    }

    @Test("a datagram past the largest buffer allowed is consumed truncated; the socket is replaced")
    func pastTheLimit() throws {
        let endpoint = FakeEndpoint(maximumReceiveBuffer: 128 * 1024)
        var session = Self.session(endpoint)
        var exchange = session.begin(.dump)
        endpoint.reply(Self.dumpPart(sequence: exchange.firstSequence, size: 200_000))
        endpoint.reply(Self.done(sequence: exchange.firstSequence))
        let error = #expect(throws: IPVSError.self) {
            _ = try session.converse(&exchange, sending: [0], on: endpoint, before: Self.later)
        }
        #expect(error?.code == .replyTruncated)
        #expect(session.endpoint == nil)
        #expect(session.receiveBufferSize <= 128 * 1024)
    }

    @Test("a descriptor that is not netlink has no port id, so replies are not filtered by port")
    func noPortID() {
        #expect(FakeEndpoint().datagrams.portID == nil)
    }

    // MARK: - Keep or replace, through a session

    @Test("a completed batch with a refused request keeps the socket")
    func refusalKeeps() throws {
        let endpoint = FakeEndpoint()
        var session = Self.session(endpoint)
        var exchange = session.begin(.batch(count: 3))
        endpoint.reply(Self.errorReply(sequence: exchange.sequence(at: 1), errno: 17))
        endpoint.reply(Self.errorReply(sequence: exchange.lastSequence))
        _ = try session.converse(&exchange, sending: [0], on: endpoint, before: Self.later)
        #expect(exchange.isFinished)
        #expect(exchange.failures.map(\.index) == [1])
        // What the client throws for the refusal afterwards does not cost the socket either.
        session.settle(after: IPVSError(.commandFailed, "refused", errno: 17), repliesOutstanding: false)
        #expect(session.endpoint === endpoint)
        #expect(session.counters.socketsReplaced == 0)
        #expect(session.counters.datagramsSent == 1)
        #expect(session.counters.datagramsReceived == 2)
    }

    @Test("a stale reply before ours is skipped and the socket kept")
    func staleKeeps() throws {
        let endpoint = FakeEndpoint()
        var session = Self.session(endpoint)
        _ = session.begin(.get)  // abandoned earlier
        var exchange = session.begin(.dump)
        endpoint.reply(Self.dumpPart(sequence: exchange.firstSequence - 1, size: 64))
        endpoint.reply(Self.dumpPart(sequence: exchange.firstSequence, size: 64) + Self.done(sequence: exchange.firstSequence))
        let data = try session.converse(&exchange, sending: [0], on: endpoint, before: Self.later)
        #expect(data.count == 1)
        #expect(exchange.staleMessages == 1)
        #expect(session.endpoint === endpoint)
    }

    @Test("a reply cut mid-exchange replaces the socket; the next one starts with the buffer size the session learned")
    func cutReplaces() throws {
        let endpoint = FakeEndpoint(maximumReceiveBuffer: 128 * 1024)
        var session = Self.session(endpoint)
        // A large reply is read whole: the buffer grows to fit it first.
        var large = session.begin(.dump)
        endpoint.reply(Self.dumpPart(sequence: large.firstSequence, size: 100_000) + Self.done(sequence: large.firstSequence))
        let data = try session.converse(&large, sending: [0], on: endpoint, before: Self.later)
        #expect(data.map(\.payload.count) == [100_000 - 16])
        #expect(session.receiveBufferSize == 128 * 1024)
        // One past the largest buffer allowed is cut, and the socket replaced.
        var exchange = session.begin(.dump)
        endpoint.reply(Self.dumpPart(sequence: exchange.firstSequence, size: 200_000))
        let error = #expect(throws: IPVSError.self) {
            _ = try session.converse(&exchange, sending: [0], on: endpoint, before: Self.later)
        }
        #expect(error?.code == .replyTruncated)
        #expect(session.endpoint == nil)
        #expect(session.counters.socketsReplaced == 1)

        var asked: Int?
        let next = try session.current { size throws(IPVSError) in
            asked = size
            return FakeEndpoint(receiveBufferSize: size)
        }
        #expect(asked == 128 * 1024)
        #expect(next.datagrams.receiveBufferSize == 128 * 1024)
        #expect(session.counters.socketsOpened == 2)
        #expect(session.endpoint === next)
    }

    @Test("a timeout mid-exchange replaces the socket, and the session carries on with a new one")
    func timeoutReplaces() throws {
        let endpoint = FakeEndpoint()
        var session = Self.session(endpoint)
        // One dump part, then silence: no NLMSG_DONE.
        var exchange = session.begin(.dump)
        endpoint.reply(Self.dumpPart(sequence: exchange.firstSequence, size: 2_000))
        let error = #expect(throws: IPVSError.self) {
            _ = try session.converse(&exchange, sending: [0], on: endpoint, before: Self.soon)
        }
        #expect(error?.code == .timedOut)
        #expect(session.endpoint == nil)
        #expect(session.counters.socketsReplaced == 1)
        let next = try session.current { size throws(IPVSError) in FakeEndpoint(receiveBufferSize: size) }
        var again = session.begin(.batch(count: 1))
        next.reply(Self.errorReply(sequence: again.lastSequence))
        _ = try session.converse(&again, sending: [0], on: next, before: Self.later)
        #expect(session.endpoint === next)
    }

    // MARK: - Decoding where the reply lies

    @Test("data is handed over from the socket's buffer, part by part, each view holding its own part's bytes")
    func handedOverInPlace() throws {
        let endpoint = FakeEndpoint()
        var session = Self.session(endpoint)
        var exchange = session.begin(.dump)
        let sequence = exchange.firstSequence
        endpoint.reply(Self.dumpPart(sequence: sequence, size: 40, fill: 1) + Self.dumpPart(sequence: sequence, size: 48, fill: 2))
        endpoint.reply(Self.dumpPart(sequence: sequence, size: 40, fill: 3))
        endpoint.reply(Self.done(sequence: sequence))
        var seen: [[UInt8]] = []
        let undecoded = try session.converse(&exchange, sending: [0], on: endpoint, before: Self.later) {
            message throws(WireDecodingError) in
            seen.append(Array(message.payload))
        }
        #expect(undecoded == nil)
        #expect(seen == [[UInt8](repeating: 1, count: 24), [UInt8](repeating: 2, count: 32), [UInt8](repeating: 3, count: 24)])
        #expect(session.counters.datagramsReceived == 3)
        #expect(endpoint.datagrams.receiveBufferSize == NetlinkDatagramSocket.minimumReceiveBuffer)
    }

    @Test("the copying form keeps every part's bytes though the buffer is reused for the next")
    func copiesOutlastTheBuffer() throws {
        let endpoint = FakeEndpoint()
        var session = Self.session(endpoint)
        var exchange = session.begin(.dump)
        let sequence = exchange.firstSequence
        for fill in UInt8(1)...5 { endpoint.reply(Self.dumpPart(sequence: sequence, size: 1_000, fill: fill)) }
        endpoint.reply(Self.done(sequence: sequence))
        let data = try session.converse(&exchange, sending: [0], on: endpoint, before: Self.later)
        #expect(data.map { Set($0.payload) } == (UInt8(1)...5).map { Set([$0]) })
    }

    @Test("a part that does not decode is reported after the exchange, which is read to its end: the socket stays clean")
    func undecodedPartKeepsTheSocket() throws {
        let endpoint = FakeEndpoint()
        var session = Self.session(endpoint)
        var exchange = session.begin(.dump)
        let sequence = exchange.firstSequence
        endpoint.reply(Self.dumpPart(sequence: sequence, size: 40, fill: 1) + Self.dumpPart(sequence: sequence, size: 40, fill: 2))
        endpoint.reply(Self.dumpPart(sequence: sequence, size: 40, fill: 3) + Self.done(sequence: sequence))
        var handed = 0
        let undecoded = try session.converse(&exchange, sending: [0], on: endpoint, before: Self.later) {
            message throws(WireDecodingError) in
            handed += 1
            if message.payload.first == 1 { throw WireDecodingError(.malformed, "not a service", context: "test") }
        }
        #expect(undecoded?.message == "not a service")
        #expect(handed == 1)
        #expect(exchange.isFinished)
        #expect(session.endpoint === endpoint)
        // Nothing of that dump is left to confuse the next exchange.
        var next = session.begin(.get)
        endpoint.reply(Self.dumpPart(sequence: next.firstSequence, size: 40, fill: 9))
        let data = try session.converse(&next, sending: [0], on: endpoint, before: Self.later)
        #expect(data.map { Array($0.payload) } == [[UInt8](repeating: 9, count: 24)])
    }

    @Test("a datagram that does not decode mid-exchange replaces the socket")
    func desynchronisedReplaces() {
        let endpoint = FakeEndpoint()
        var session = Self.session(endpoint)
        var exchange = session.begin(.dump)
        endpoint.reply([0xFF, 0, 0, 0, 3, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0])
        let error = #expect(throws: IPVSError.self) {
            _ = try session.converse(&exchange, sending: [0], on: endpoint, before: Self.later)
        }
        #expect(error?.code == .malformedReply)
        #expect(session.endpoint == nil)
    }

    @Test("a socket error replaces the socket")
    func socketErrorReplaces() {
        let endpoint = FakeEndpoint()
        var session = Self.session(endpoint)
        var exchange = session.begin(.get)
        // The peer is gone: sending fails (ECONNREFUSED/EPIPE), a socket failure.
        shutdown(endpoint.kernel, Int32(SHUT_RDWR))
        shutdown(endpoint.datagrams.descriptor, Int32(SHUT_WR))
        let error = #expect(throws: IPVSError.self) {
            _ = try session.converse(&exchange, sending: [0], on: endpoint, before: Self.soon)
        }
        #expect(error?.code == .socketFailure)
        #expect(session.endpoint == nil)
    }

    @Test("an error after the exchange ended (a dump retaken, a reply not decoded) keeps the socket")
    func afterTheEndKeeps() throws {
        let endpoint = FakeEndpoint()
        var session = Self.session(endpoint)
        var exchange = session.begin(.dump)
        endpoint.reply(Self.done(sequence: exchange.firstSequence))
        _ = try session.converse(&exchange, sending: [0], on: endpoint, before: Self.later)
        session.settle(after: IPVSError(.dumpInterrupted, "repeated an entry"), repliesOutstanding: !exchange.isFinished)
        session.settle(after: IPVSError(.malformedReply, "bad service"), repliesOutstanding: !exchange.isFinished)
        #expect(session.endpoint === endpoint)
    }
}
