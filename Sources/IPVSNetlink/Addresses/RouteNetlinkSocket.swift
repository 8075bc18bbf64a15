import CNetlink

#if canImport(Glibc)
import Glibc
#endif

/// One rtnetlink (`NETLINK_ROUTE`) socket of one network namespace, owned by libnl-route-3.
///
/// libnl creates and binds it and runs the few synchronous link operations (look up, create,
/// set up). Address batches are sent as whole datagrams on its descriptor and their replies read
/// with `nl_recv`, which sizes its buffer to each datagram. Every receive waits at most
/// ``timeout`` (`SO_RCVTIMEO`), libnl's own included, so no call can hang on a silent kernel.
/// Not thread-safe: ``InterfaceAddressClient`` serialises every use.
final class RouteNetlinkSocket {
    private let handle: OpaquePointer
    let descriptor: Int32
    let timeout: Duration

    init(namespace: NetworkNamespace?, timeout: Duration) throws(IPVSError) {
        let handle = try LibnlSocket.open(protocol: NETLINK_ROUTE, namespace: namespace, kind: "an rtnetlink")
        self.handle = handle
        self.descriptor = nl_socket_get_fd(handle)
        self.timeout = timeout
        configure()
    }

    deinit {
        nl_socket_free(handle)
    }

    /// Buffers asked for. libnl's `nl_connect` leaves 32 KiB each (64 KiB once the kernel has
    /// doubled them): a batch's error replies would overflow that (`ENOBUFS`) and a 1,024-request
    /// datagram would not even be accepted (`EMSGSIZE`). The `FORCE` variants pass
    /// `net.core.rmem_max` with `CAP_NET_ADMIN`, which changing addresses needs anyway.
    static let receiveBufferBytes: Int32 = 4 << 20
    static let sendBufferBytes: Int32 = 1 << 20
    /// What one error reply costs in the receive buffer (its skb's truesize, with room to spare;
    /// measured: 256 `EEXIST` replies overflow the 64 KiB libnl leaves).
    static let receiveBytesPerReply = 2048
    /// The longest address request: header, `ifaddrmsg`, `IFA_LOCAL` and `IFA_ADDRESS` of IPv6,
    /// `IFA_FLAGS`.
    static let largestRequestBytes = 72

    /// How many address requests one datagram may carry on this socket, from the buffers the
    /// kernel really granted.
    private(set) var requestsPerDatagram = 1

    private func configure() {
        LibnlSocket.useCompactAcknowledgements(descriptor)
        // Strict checking makes the kernel honour the interface index of an address dump
        // request (Linux 4.20+); without it we filter alone.
        var on: Int32 = 1
        _ = setsockopt(descriptor, cnetlink_sol_netlink(), NETLINK_GET_STRICT_CHK, &on, socklen_t(MemoryLayout<Int32>.size))
        let receive = LibnlSocket.growBuffer(descriptor, option: SO_RCVBUF, forced: SO_RCVBUFFORCE, to: Self.receiveBufferBytes)
        let send = LibnlSocket.growBuffer(descriptor, option: SO_SNDBUF, forced: SO_SNDBUFFORCE, to: Self.sendBufferBytes)
        // The kernel refuses a datagram longer than the send buffer less 32 bytes.
        requestsPerDatagram = max(1, min(receive / Self.receiveBytesPerReply, (send - 32) / Self.largestRequestBytes))
        let parts = timeout.components
        var limit = timeval(tv_sec: Int(parts.seconds), tv_usec: Int(parts.attoseconds / 1_000_000_000_000))
        if limit.tv_sec == 0 && limit.tv_usec == 0 { limit.tv_usec = 1 }
        _ = setsockopt(descriptor, SOL_SOCKET, SO_RCVTIMEO, &limit, socklen_t(MemoryLayout<timeval>.size))
    }

    // MARK: - Links (synchronous, through libnl)

    /// The link called `name`, or nil when there is none. The caller must `rtnl_link_put` it.
    func link(named name: String) throws(IPVSError) -> OpaquePointer? {
        var link: OpaquePointer?
        let status = rtnl_link_get_kernel(handle, 0, name, &link)
        if status == -NLE_NODEV || status == -NLE_OBJ_NOTFOUND { return nil }
        if status < 0 { throw Self.failure(status, "reading link \(name) failed", object: name) }
        guard let link else { throw Self.failure(-NLE_AGAIN, "reading link \(name) got no answer", object: name) }
        return link
    }

    /// Creates a link of kind `kind`, already up. Corresponds to `RTM_NEWLINK` with
    /// `NLM_F_CREATE | NLM_F_EXCL` and `IFF_UP`.
    func createLink(named name: String, kind: String) throws(IPVSError) {
        guard let link = rtnl_link_alloc() else { throw IPVSError(.socketFailure, "libnl could not allocate a link") }
        defer { rtnl_link_put(link) }
        rtnl_link_set_name(link, name)
        _ = rtnl_link_set_type(link, kind)
        rtnl_link_set_flags(link, UInt32(IFF_UP))
        let status = rtnl_link_add(handle, link, NLM_F_CREATE | NLM_F_EXCL)
        if status < 0 { throw Self.failure(status, "creating \(kind) link \(name) failed", object: name) }
    }

    /// Sets `IFF_UP` on an existing link and changes nothing else.
    func setUp(_ link: OpaquePointer) throws(IPVSError) {
        guard let change = rtnl_link_alloc() else { throw IPVSError(.socketFailure, "libnl could not allocate a link") }
        defer { rtnl_link_put(change) }
        rtnl_link_set_flags(change, UInt32(IFF_UP))
        let status = rtnl_link_change(handle, link, change, 0)
        if status < 0 {
            let name = String(cString: rtnl_link_get_name(link))
            throw Self.failure(status, "setting link \(name) up failed", object: name)
        }
    }

    // MARK: - Datagrams (our own batches)

    /// Sends one datagram; the kernel processes every message in it before this returns.
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
            throw IPVSError(.socketFailure, "sending to rtnetlink failed", errno: code)
        }
    }

    /// Receives one whole datagram, however large (`nl_recv` peeks at its size first).
    func receive() throws(IPVSError) -> [UInt8] {
        var peer = sockaddr_nl()
        var buffer: UnsafeMutablePointer<UInt8>?
        let count = nl_recv(handle, &peer, &buffer, nil)
        defer { free(buffer) }
        if count == -NLE_AGAIN {
            throw IPVSError(.timedOut, "no reply from rtnetlink within \(timeout)")
        }
        if count == -NLE_NOMEM {
            // ENOBUFS: the kernel dropped replies, some per-address errors are lost.
            throw IPVSError(.receiveOverrun, "rtnetlink dropped replies: the receive buffer overflowed", libnlCode: NLE_NOMEM)
        }
        guard count > 0, let buffer else {
            throw Self.failure(count == 0 ? -NLE_FAILURE : count, "receiving from rtnetlink failed", object: nil, code: .socketFailure)
        }
        return Array(UnsafeBufferPointer(start: buffer, count: Int(count)))
    }

    // MARK: - Errors

    private static func text(_ status: Int32) -> String {
        String(cString: nl_geterror(status))
    }

    /// A libnl failure as an ``IPVSError``, with the errno it stands for where there is one.
    private static func failure(_ status: Int32, _ message: String, object: String?, code: IPVSError.Code = .commandFailed) -> IPVSError {
        switch -status {
        case NLE_PERM, NLE_NOACCESS:
            return IPVSError(.permissionDenied, "permission denied: changing links and addresses needs CAP_NET_ADMIN",
                             object: object, errno: EPERM, libnlCode: -status)
        case NLE_AGAIN:
            return IPVSError(.timedOut, "\(message): no reply from rtnetlink in time", object: object, libnlCode: -status)
        case NLE_BAD_SOCK, NLE_NOMEM:
            return IPVSError(.socketFailure, "\(message): \(text(status))", object: object, libnlCode: -status)
        default:
            return IPVSError(code, "\(message): \(text(status))", object: object, libnlCode: -status)
        }
    }
}
