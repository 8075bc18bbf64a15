import CNetlink

#if canImport(Glibc)
    import Glibc
#endif

/// Whole datagrams in and out of one descriptor, with a deadline: what the IPVS socket and the
/// rtnetlink socket share once libnl has made and bound them.
///
/// Owns the system-call details both conversations need: `EINTR` is retried, `EAGAIN` waits in
/// `poll` until the operation's deadline, `ENOBUFS` is reported as lost replies.
///
/// Each datagram is read at its own length: a peek (`MSG_PEEK | MSG_TRUNC`, no buffer) tells
/// it, the buffer this socket keeps grows to fit, and one `recv` of exactly that length takes
/// it. Why not one `recv` into the whole buffer: the kernel sizes every later dump part by the
/// largest length a socket ever passed to `recv` (`max_recvmsg_len`, up to 32 KiB), so a 64 KiB
/// buffer made each real-server dump allocate (and, with `init_on_alloc`, clear) two 32 KiB
/// parts for two kilobytes of replies. Read at their length, dump parts stay at one page; a
/// 10,000-service table read in the kernel lab took 2.7 s instead of 3.25 s, the extra peek
/// included (2026-12-05). Only a datagram past ``maximumReceiveBuffer`` is cut (`MSG_TRUNC`
/// gives its real size): it is reported truncated, so the conversation ends with lost replies.
/// The buffer size learned is kept by ``NetlinkSession`` for the life of the client, so a
/// replacement socket starts at that size.
///
/// Does not own the descriptor (libnl, or a test, closes it). Not thread-safe: a client
/// serialises every use.
final class NetlinkDatagramSocket {
    /// One datagram as received: a view of the socket's own buffer, valid until the next
    /// receive (holding on to it past that makes the next receive copy the buffer). `truncated`
    /// when the datagram was larger than the buffer and the kernel cut it.
    struct Datagram {
        var bytes: ArraySlice<UInt8>
        var truncated: Bool
    }

    let descriptor: Int32
    /// The size of our receive buffer, which grows to the largest datagram seen.
    private(set) var receiveBufferSize: Int
    private var receiveBuffer: [UInt8]
    /// The port id the socket is bound to (`nl_pid`), which the kernel writes into its replies;
    /// nil for a descriptor that is not a netlink socket.
    let portID: UInt32?

    /// No netlink reply we ask for comes near this; the buffer stops growing there.
    static let defaultMaximumReceiveBuffer = 16 << 20
    /// How far the buffer may grow.
    let maximumReceiveBuffer: Int
    /// What a buffer starts at: a dump part is at most 32 KiB of skb unless one message is larger.
    static let minimumReceiveBuffer = 64 * 1024

    init(descriptor: Int32, receiveBufferSize: Int, maximumReceiveBuffer: Int = NetlinkDatagramSocket.defaultMaximumReceiveBuffer) {
        self.descriptor = descriptor
        self.maximumReceiveBuffer = max(maximumReceiveBuffer, Self.minimumReceiveBuffer)
        self.receiveBufferSize = min(max(receiveBufferSize, Self.minimumReceiveBuffer), self.maximumReceiveBuffer)
        self.receiveBuffer = [UInt8](repeating: 0, count: self.receiveBufferSize)
        self.portID = Self.boundPortID(descriptor)
    }

    /// Sends one datagram. A netlink socket without a destination sends to the kernel (port 0);
    /// the kernel processes every message in it before `send` returns.
    func send(_ bytes: [UInt8]) throws(IPVSError) {
        while true {
            let sent = bytes.withUnsafeBytes { Glibc.send(descriptor, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
            if sent >= 0 { return }
            let code = errno
            if code == EINTR { continue }
            throw IPVSError(.socketFailure, "sending to the kernel failed", errno: code)
        }
    }

    /// Receives one datagram, waiting at most until `deadline`.
    ///
    /// Reads first and waits only when nothing is there: the kernel answers a request (and fills
    /// each part of a dump) before `send` or the previous receive returns, so a `poll` before
    /// every read would add a system call to every datagram of a table read.
    func receive(before deadline: ContinuousClock.Instant) throws(IPVSError) -> Datagram {
        while true {
            // The length of the datagram waiting, whatever the buffer passed (none here).
            let length = recv(descriptor, nil, 0, Int32(MSG_PEEK) | Int32(MSG_TRUNC) | Int32(MSG_DONTWAIT))
            if length < 0 {
                let code = errno
                if code == EAGAIN { try wait(before: deadline) }
                if code == EINTR || code == EAGAIN { continue }
                throw Self.receiveError(code)
            }
            if length > receiveBuffer.count { grow(to: length) }
            let wanted = min(length, receiveBuffer.count)
            let size = receiveBuffer.withUnsafeMutableBytes { buffer in
                recv(descriptor, buffer.baseAddress, wanted, Int32(MSG_TRUNC) | Int32(MSG_DONTWAIT))
            }
            if size < 0 {
                let code = errno
                if code == EINTR || code == EAGAIN { continue }
                throw Self.receiveError(code)
            }
            if size > wanted {
                // Past the largest buffer allowed: the rest of it is gone.
                return Datagram(bytes: receiveBuffer[0..<wanted], truncated: true)
            }
            return Datagram(bytes: receiveBuffer[0..<size], truncated: false)
        }
    }

    private static func receiveError(_ code: Int32) -> IPVSError {
        if code == ENOBUFS {
            return IPVSError(.receiveOverrun, "the kernel dropped replies: the receive buffer overflowed", errno: code)
        }
        return IPVSError(.socketFailure, "receiving from the kernel failed", errno: code)
    }

    /// Powers of two, so that a socket whose replies creep up grows a few times, not each time.
    private func grow(to size: Int) {
        var next = receiveBuffer.count
        while next < size { next *= 2 }
        let grown = min(next, maximumReceiveBuffer)
        guard grown > receiveBuffer.count else { return }
        receiveBufferSize = grown
        receiveBuffer = [UInt8](repeating: 0, count: grown)
    }

    /// Waits until the socket is readable or throws `.timedOut` at `deadline`.
    private func wait(before deadline: ContinuousClock.Instant) throws(IPVSError) {
        while true {
            let remaining = ContinuousClock.now.duration(to: deadline)
            if remaining <= .zero {
                throw IPVSError(.timedOut, "no reply from the kernel before the deadline")
            }
            var pollDescriptor = pollfd(fd: descriptor, events: Int16(POLLIN), revents: 0)
            let milliseconds = Int32(
                clamping: remaining.components.seconds * 1000 + remaining.components.attoseconds / 1_000_000_000_000_000 + 1)
            let ready = poll(&pollDescriptor, 1, milliseconds)
            if ready > 0 { return }
            if ready < 0 {
                let code = errno
                if code == EINTR { continue }
                throw IPVSError(.socketFailure, "waiting for the kernel failed", errno: code)
            }
        }
    }

    /// `getsockname`'s `nl_pid`, for a netlink socket.
    private static func boundPortID(_ descriptor: Int32) -> UInt32? {
        var address = sockaddr_nl()
        var length = socklen_t(MemoryLayout<sockaddr_nl>.size)
        let status = withUnsafeMutablePointer(to: &address) { pointer in
            pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(descriptor, $0, &length) }
        }
        guard status == 0, address.nl_family == sa_family_t(AF_NETLINK) else { return nil }
        return address.nl_pid
    }
}
