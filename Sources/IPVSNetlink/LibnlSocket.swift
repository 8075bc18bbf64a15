import CNetlink

#if canImport(Glibc)
    import Glibc
#endif

/// What the IPVS socket and the rtnetlink socket share: a libnl socket bound inside a network
/// namespace, large buffers, and acknowledgements that carry reasons without echoing requests.
enum LibnlSocket {
    /// Allocates a libnl socket and binds it to `protocol` inside `namespace` (nil: the caller's
    /// own). A netlink socket stays in the namespace it was created in, whatever thread uses it.
    static func open(protocol: Int32, namespace: NetworkNamespace?, kind: String) throws(IPVSError) -> OpaquePointer {
        guard let handle = nl_socket_alloc() else {
            throw IPVSError(.socketFailure, "libnl could not allocate \(kind) socket")
        }
        let connected: Int32
        do throws(IPVSError) {
            if let namespace {
                connected = try namespace.perform { nl_connect(handle, `protocol`) }
            } else {
                connected = nl_connect(handle, `protocol`)
            }
        } catch {
            nl_socket_free(handle)
            throw error
        }
        if connected < 0 {
            nl_socket_free(handle)
            throw IPVSError(
                .socketFailure, "binding \(kind) socket failed: \(String(cString: nl_geterror(connected)))",
                libnlCode: -connected)
        }
        return handle
    }

    /// Asks for `bytes` of socket buffer, forced past `net.core.[rw]mem_max` where
    /// `CAP_NET_ADMIN` allows, and returns what the kernel granted (it reports double the
    /// request, its bookkeeping included).
    static func growBuffer(_ descriptor: Int32, option: Int32, forced: Int32, to bytes: Int32) -> Int {
        var value = bytes
        let size = socklen_t(MemoryLayout<Int32>.size)
        if setsockopt(descriptor, SOL_SOCKET, forced, &value, size) != 0 {
            _ = setsockopt(descriptor, SOL_SOCKET, option, &value, size)
        }
        var granted: Int32 = 0
        var length = size
        guard getsockopt(descriptor, SOL_SOCKET, option, &granted, &length) == 0 else { return 64 * 1024 }
        return Int(granted)
    }

    /// Extended ACKs carry the kernel's reason text; capped ACKs do not echo the request back,
    /// so a batch's error replies stay small.
    static func useCompactAcknowledgements(_ descriptor: Int32) {
        var on: Int32 = 1
        let size = socklen_t(MemoryLayout<Int32>.size)
        _ = setsockopt(descriptor, cnetlink_sol_netlink(), cnetlink_opt_ext_ack(), &on, size)
        _ = setsockopt(descriptor, cnetlink_sol_netlink(), cnetlink_opt_cap_ack(), &on, size)
    }
}
