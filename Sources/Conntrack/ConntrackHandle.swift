import CNetfilterConntrack
import IPVSCore
import IPVSNetlink

#if canImport(Glibc)
    import Glibc
#endif

/// One ctnetlink socket, opened by libnetfilter_conntrack (`nfct_open`) inside a network
/// namespace and closed with the handle (`nfct_close`). Not thread-safe: one call uses it.
final class ConntrackHandle {
    private let handle: OpaquePointer

    /// A dumped entry that matched a filter: the library's object, kept to delete it by, and
    /// freed with this value (`nfct_destroy`).
    final class Match {
        fileprivate let object: OpaquePointer
        let flow: ConntrackFlow
        let filter: ConntrackFlowFilter

        fileprivate init(object: OpaquePointer, flow: ConntrackFlow, filter: ConntrackFlowFilter) {
            self.object = object
            self.flow = flow
            self.filter = filter
        }

        deinit { nfct_destroy(object) }
    }

    /// Opens the socket with this thread inside `namespace` (nil: the caller's own); a netlink
    /// socket stays in the namespace it was created in.
    init(namespace: NetworkNamespace?) throws(ConntrackError) {
        let opened: (handle: OpaquePointer?, errno: Int32)
        if let namespace {
            do throws(IPVSError) {
                opened = try namespace.perform { (nfct_open(UInt8(CONNTRACK), 0), errno) }
            } catch {
                throw ConntrackError(.namespaceUnavailable, error.message, errno: error.errno)
            }
        } else {
            opened = (nfct_open(UInt8(CONNTRACK), 0), errno)
        }
        guard let handle = opened.handle else {
            throw ConntrackError.failed("opening a conntrack netlink socket", errno: opened.errno)
        }
        self.handle = handle
    }

    deinit { nfct_close(handle) }

    /// Dumps the table once (`nfct_query` with `NFCT_Q_DUMP`), only `family` when given, and
    /// keeps the entries `matcher` assigns to a filter.
    func matches(of matcher: ConntrackFlowMatcher, family: AddressFamily?) throws(ConntrackError) -> [Match] {
        let dump = Dump(matcher: matcher)
        // The library calls back once per entry; a C callback captures nothing, so the dump's
        // state travels as the context pointer.
        let registered = nfct_callback_register(
            handle, NFCT_T_ALL,
            { _, entry, context in
                guard let entry, let context else { return Int32(NFCT_CB_CONTINUE) }
                return Unmanaged<Dump>.fromOpaque(context).takeUnretainedValue().receive(entry)
            }, Unmanaged.passUnretained(dump).toOpaque())
        guard registered == 0 else {
            throw ConntrackError.failed("registering the dump callback", errno: errno)
        }
        defer { nfct_callback_unregister(handle) }
        var requested = UInt32(family?.rawValue ?? UInt16(AF_UNSPEC))
        let result = withExtendedLifetime(dump) { nfct_query(handle, NFCT_Q_DUMP, &requested) }
        guard result == 0 else {
            throw ConntrackError.failed("dumping the conntrack table", errno: errno)
        }
        return dump.matches
    }

    /// Deletes one entry by its tuples (`nfct_query` with `NFCT_Q_DESTROY`). Returns false when
    /// it was already gone (`ENOENT`: it timed out, or someone else deleted it).
    func delete(_ match: Match) throws(ConntrackError) -> Bool {
        if nfct_query(handle, NFCT_Q_DESTROY, UnsafeRawPointer(match.object)) == 0 { return true }
        let code = errno
        if code == ENOENT { return false }
        throw ConntrackError.failed("deleting the conntrack entry of \(match.filter)", errno: code)
    }

    /// What one dump collects; lives as long as the dump.
    private final class Dump {
        let matcher: ConntrackFlowMatcher
        var matches: [Match] = []

        init(matcher: ConntrackFlowMatcher) {
            self.matcher = matcher
        }

        /// Keeps a matching entry (`NFCT_CB_STOLEN`: the library does not free it) and lets
        /// the library free the rest.
        func receive(_ entry: OpaquePointer) -> Int32 {
            guard let flow = ConntrackHandle.decode(entry), let filter = matcher.filter(for: flow) else {
                return Int32(NFCT_CB_CONTINUE)
            }
            matches.append(Match(object: entry, flow: flow, filter: filter))
            return Int32(NFCT_CB_STOLEN)
        }
    }

    /// The entry's tuples (`nfct_get_attr*`), or nil for one without ports (ICMP...) or of an
    /// unknown family. Addresses and ports come in network byte order.
    static func decode(_ entry: OpaquePointer) -> ConntrackFlow? {
        let protocolNumber = nfct_get_attr_u8(entry, ATTR_ORIG_L4PROTO)
        guard TransportProtocol(rawValue: UInt16(protocolNumber)) != nil,
            nfct_attr_is_set(entry, ATTR_ORIG_PORT_DST) > 0, nfct_attr_is_set(entry, ATTR_REPL_PORT_SRC) > 0
        else { return nil }
        func port(_ attribute: nf_conntrack_attr) -> UInt16 {
            UInt16(bigEndian: nfct_get_attr_u16(entry, attribute))
        }
        func address(_ v4: nf_conntrack_attr, _ v6: nf_conntrack_attr) -> IPAddress? {
            switch Int32(nfct_get_attr_u8(entry, ATTR_ORIG_L3PROTO)) {
            case AF_INET:
                guard nfct_attr_is_set(entry, v4) > 0 else { return nil }
                return .v4(IPv4Address(UInt32(bigEndian: nfct_get_attr_u32(entry, v4))))
            case AF_INET6:
                guard let bytes = nfct_get_attr(entry, v6) else { return nil }
                return IPv6Address(bytes: UnsafeRawBufferPointer(start: bytes, count: 16)).map(IPAddress.v6)
            default:
                return nil
            }
        }
        guard let originalSource = address(ATTR_ORIG_IPV4_SRC, ATTR_ORIG_IPV6_SRC),
            let originalDestination = address(ATTR_ORIG_IPV4_DST, ATTR_ORIG_IPV6_DST),
            let replySource = address(ATTR_REPL_IPV4_SRC, ATTR_REPL_IPV6_SRC),
            let replyDestination = address(ATTR_REPL_IPV4_DST, ATTR_REPL_IPV6_DST)
        else { return nil }
        return ConntrackFlow(
            protocolNumber: protocolNumber,
            original: .init(
                source: originalSource, sourcePort: port(ATTR_ORIG_PORT_SRC),
                destination: originalDestination, destinationPort: port(ATTR_ORIG_PORT_DST)),
            reply: .init(
                source: replySource, sourcePort: port(ATTR_REPL_PORT_SRC),
                destination: replyDestination, destinationPort: port(ATTR_REPL_PORT_DST)))
    }
}
