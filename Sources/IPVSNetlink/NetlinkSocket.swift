import CNetlink
import IPVSWire

#if canImport(Glibc)
import Glibc
#endif

/// One generic-netlink socket bound to the IPVS family of one network namespace.
///
/// libnl creates it and resolves the family; sending and receiving are plain system calls on its
/// descriptor, with our own buffers, so that a batch is one `sendmsg` and a reply is one `recv`.
/// Not thread-safe: ``IPVSClient`` serialises every use.
final class NetlinkSocket {
    private let handle: OpaquePointer
    let descriptor: Int32
    /// The IPVS family id, resolved once.
    let family: UInt16
    /// Receive buffer size; grows when a datagram arrives truncated.
    private(set) var receiveBufferSize: Int
    private var receiveBuffer: [UInt8]

    /// Socket-level buffers. The send buffer bounds one batch; the receive buffer must hold every
    /// error reply of a batch (≈ 768 bytes of kernel accounting each) and 32 KiB dump skbs.
    static let sendBufferBytes: Int32 = 4 << 20
    static let receiveBufferBytes: Int32 = 8 << 20

    init(namespace: NetworkNamespace?, initialReceiveBuffer: Int) throws(IPVSError) {
        let handle = try LibnlSocket.open(protocol: NETLINK_GENERIC, namespace: namespace, kind: "a generic netlink")
        do throws(IPVSError) {
            let resolved = genl_ctrl_resolve(handle, IPVSFamily.name)
            if resolved == -NLE_OBJ_NOTFOUND {
                throw IPVSError.unavailable()
            }
            if resolved < 0 {
                throw IPVSError(.socketFailure, "resolving the IPVS generic netlink family failed: \(String(cString: nl_geterror(resolved)))",
                                libnlCode: -resolved)
            }
            self.handle = handle
            self.descriptor = nl_socket_get_fd(handle)
            self.family = UInt16(resolved)
            self.receiveBufferSize = max(initialReceiveBuffer, 32 * 1024)
            self.receiveBuffer = [UInt8](repeating: 0, count: receiveBufferSize)
        } catch {
            nl_socket_free(handle)
            throw error
        }
        configure()
    }

    deinit {
        nl_socket_free(handle)
    }

    /// The largest datagram one `sendmsg` may carry: the kernel refuses more than the send
    /// buffer, which reports double what it holds for data.
    private(set) var maximumDatagram = 64 * 1024

    private func configure() {
        let send = LibnlSocket.growBuffer(descriptor, option: SO_SNDBUF, forced: SO_SNDBUFFORCE, to: Self.sendBufferBytes)
        _ = LibnlSocket.growBuffer(descriptor, option: SO_RCVBUF, forced: SO_RCVBUFFORCE, to: Self.receiveBufferBytes)
        if send > 4096 { maximumDatagram = send / 2 }
        LibnlSocket.useCompactAcknowledgements(descriptor)
    }

    /// Sends one datagram to the kernel. The kernel processes every message in it before
    /// `sendto` returns.
    func send(_ bytes: [UInt8]) throws(IPVSError) {
        var address = sockaddr_nl()
        address.nl_family = sa_family_t(AF_NETLINK)
        let sent = bytes.withUnsafeBytes { buffer in
            withUnsafePointer(to: &address) { pointer in
                pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                    sendto(descriptor, buffer.baseAddress, buffer.count, 0, $0, socklen_t(MemoryLayout<sockaddr_nl>.size))
                }
            }
        }
        if sent < 0 {
            let code = errno
            throw IPVSError(.socketFailure, "sending to the kernel failed", errno: code)
        }
    }

    /// Receives one datagram, waiting at most until `deadline`.
    /// Throws `.receiveOverrun` on `ENOBUFS` and grows the buffer (and throws) on truncation.
    ///
    /// Reads first and waits only when nothing is there: the kernel answers a request (and
    /// fills each part of a dump) before `sendto` or the previous `recv` returns, so a `poll`
    /// before every read would nearly double the system calls of a table read.
    func receive(before deadline: ContinuousClock.Instant) throws(IPVSError) -> [UInt8] {
        while true {
            let count = receiveBuffer.withUnsafeMutableBytes { buffer in
                recv(descriptor, buffer.baseAddress, buffer.count, Int32(MSG_TRUNC) | Int32(MSG_DONTWAIT))
            }
            if count < 0 {
                let code = errno
                if code == EAGAIN {
                    try wait(before: deadline)
                    continue
                }
                if code == EINTR { continue }
                if code == ENOBUFS {
                    throw IPVSError(.receiveOverrun, "the kernel dropped replies: the receive buffer overflowed", errno: code)
                }
                throw IPVSError(.socketFailure, "receiving from the kernel failed", errno: code)
            }
            if count > receiveBuffer.count {
                receiveBufferSize = max(count, receiveBufferSize * 2)
                receiveBuffer = [UInt8](repeating: 0, count: receiveBufferSize)
                throw IPVSError(.malformedReply, "a reply of \(count) bytes was truncated; the buffer has grown, retry")
            }
            return Array(receiveBuffer[0..<count])
        }
    }

    /// Waits until the socket is readable or throws `.timedOut` at `deadline`.
    private func wait(before deadline: ContinuousClock.Instant) throws(IPVSError) {
        while true {
            let remaining = ContinuousClock.now.duration(to: deadline)
            if remaining <= .zero {
                throw IPVSError(.timedOut, "no reply from the kernel before the deadline")
            }
            var pollDescriptor = pollfd(fd: descriptor, events: Int16(POLLIN), revents: 0)
            let milliseconds = Int32(clamping: remaining.components.seconds * 1000 + remaining.components.attoseconds / 1_000_000_000_000_000 + 1)
            let ready = poll(&pollDescriptor, 1, milliseconds)
            if ready > 0 { return }
            if ready < 0, errno != EINTR {
                throw IPVSError(.socketFailure, "waiting for the kernel failed", errno: errno)
            }
        }
    }
}

/// A network namespace to run IPVS operations in, named like `ip netns` does or by path.
public struct NetworkNamespace: Hashable, Sendable {
    /// A path such as `/var/run/netns/node-a` or `/proc/1234/ns/net`.
    public var path: String

    public init(path: String) {
        self.path = path
    }

    /// The namespace `ip netns add NAME` created.
    public static func named(_ name: String) -> NetworkNamespace {
        NetworkNamespace(path: "/var/run/netns/\(name)")
    }

    /// Runs `body` on this thread inside the namespace, then returns the thread to where it was.
    /// `body` must not suspend: namespaces belong to threads.
    public func perform<T>(_ body: () -> T) throws(IPVSError) -> T {
        let target = open(path, O_RDONLY | O_CLOEXEC)
        guard target >= 0 else {
            throw IPVSError(.namespaceUnavailable, "cannot open network namespace \(path)", errno: errno)
        }
        defer { close(target) }
        let original = open("/proc/thread-self/ns/net", O_RDONLY | O_CLOEXEC)
        guard original >= 0 else {
            throw IPVSError(.namespaceUnavailable, "cannot open this thread's network namespace", errno: errno)
        }
        defer { close(original) }
        guard cnetlink_setns(target) == 0 else {
            throw IPVSError(.namespaceUnavailable, "cannot enter network namespace \(path)", errno: errno)
        }
        let result = body()
        // Leaving must not fail silently: the thread would stay in the wrong namespace.
        precondition(cnetlink_setns(original) == 0, "cannot return to the original network namespace")
        return result
    }
}
