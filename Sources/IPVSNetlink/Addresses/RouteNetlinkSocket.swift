import CNetlink

#if canImport(Glibc)
    import Glibc
#endif

/// One rtnetlink (`NETLINK_ROUTE`) socket of one network namespace, owned by libnl-route-3.
///
/// libnl creates and binds it and runs the few synchronous link operations (look up, create,
/// set up), whose receives wait at most ``timeout`` (`SO_RCVTIMEO`) so that none can hang on a
/// silent kernel. Address batches and dumps are our own datagrams, through the same
/// ``NetlinkDatagramSocket`` as the IPVS socket's, with the operation's deadline.
/// Not thread-safe: ``InterfaceAddressClient`` serialises every use.
final class RouteNetlinkSocket: NetlinkEndpoint {
    private let handle: OpaquePointer
    let datagrams: NetlinkDatagramSocket
    let timeout: Duration

    init(namespace: NetworkNamespace?, timeout: Duration, receiveBufferSize: Int) throws(IPVSError) {
        let handle = try LibnlSocket.open(protocol: NETLINK_ROUTE, namespace: namespace, kind: "an rtnetlink")
        self.handle = handle
        self.datagrams = NetlinkDatagramSocket(descriptor: nl_socket_get_fd(handle), receiveBufferSize: receiveBufferSize)
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
        let descriptor = datagrams.descriptor
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

    // MARK: - Errors

    private static func text(_ status: Int32) -> String {
        String(cString: nl_geterror(status))
    }

    /// A libnl failure as an ``IPVSError``, with the errno it stands for where there is one.
    private static func failure(_ status: Int32, _ message: String, object: String?, code: IPVSError.Code = .commandFailed) -> IPVSError {
        switch -status {
        case NLE_PERM, NLE_NOACCESS:
            return IPVSError(
                .permissionDenied, "permission denied: changing links and addresses needs CAP_NET_ADMIN",
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
