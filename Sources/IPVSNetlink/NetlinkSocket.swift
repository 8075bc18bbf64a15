import CNetlink
import IPVSWire

#if canImport(Glibc)
    import Glibc
#endif

/// One generic-netlink socket bound to the IPVS family of one network namespace.
///
/// libnl creates it and resolves the family; its datagrams go through a
/// ``NetlinkDatagramSocket`` on its descriptor, with our own buffers, so that a batch is one
/// `send` and a reply is one read. Not thread-safe: ``IPVSClient`` serialises every use.
final class NetlinkSocket: NetlinkEndpoint {
    private let handle: OpaquePointer
    /// The IPVS family id, resolved once.
    let family: UInt16
    let datagrams: NetlinkDatagramSocket

    /// Socket-level buffers. The send buffer bounds one batch; the receive buffer must hold every
    /// error reply of a batch (≈ 768 bytes of kernel accounting each) and the parts of a dump.
    static let sendBufferBytes: Int32 = 4 << 20
    static let receiveBufferBytes: Int32 = 8 << 20

    init(namespace: NetworkNamespace?, receiveBufferSize: Int) throws(IPVSError) {
        let handle = try LibnlSocket.open(protocol: NETLINK_GENERIC, namespace: namespace, kind: "a generic netlink")
        do throws(IPVSError) {
            // libnl reads the family's reply into 16 KiB unless told less, and the kernel would
            // size this socket's dump parts by that from then on (see NetlinkDatagramSocket).
            nl_socket_set_msg_buf_size(handle, 1024)
            nl_socket_enable_msg_peek(handle)
            let resolved = genl_ctrl_resolve(handle, IPVSFamily.name)
            if resolved == -NLE_OBJ_NOTFOUND {
                throw IPVSError.unavailable()
            }
            if resolved < 0 {
                throw IPVSError(
                    .socketFailure, "resolving the IPVS generic netlink family failed: \(String(cString: nl_geterror(resolved)))",
                    libnlCode: -resolved)
            }
            self.handle = handle
            self.family = UInt16(resolved)
            self.datagrams = NetlinkDatagramSocket(descriptor: nl_socket_get_fd(handle), receiveBufferSize: receiveBufferSize)
        } catch {
            nl_socket_free(handle)
            throw error
        }
        configure()
    }

    deinit {
        nl_socket_free(handle)
    }

    /// The largest datagram one `send` may carry: the kernel refuses more than the send
    /// buffer, which reports double what it holds for data.
    private(set) var maximumDatagram = 64 * 1024
    /// What the kernel granted of the buffers asked for.
    private(set) var buffers = SocketBuffers(
        sendAsked: Int(sendBufferBytes), sendGranted: 0,
        receiveAsked: Int(receiveBufferBytes), receiveGranted: 0)

    private func configure() {
        let descriptor = datagrams.descriptor
        let send = LibnlSocket.growBuffer(descriptor, option: SO_SNDBUF, forced: SO_SNDBUFFORCE, to: Self.sendBufferBytes)
        let receive = LibnlSocket.growBuffer(descriptor, option: SO_RCVBUF, forced: SO_RCVBUFFORCE, to: Self.receiveBufferBytes)
        buffers.sendGranted = send
        buffers.receiveGranted = receive
        if send > 4096 { maximumDatagram = send / 2 }
        LibnlSocket.useCompactAcknowledgements(descriptor)
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
