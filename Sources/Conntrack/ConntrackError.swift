#if canImport(Glibc)
    import Glibc
#endif

/// What can go wrong reading or changing the kernel's conntrack table.
public struct ConntrackError: Error, Sendable {
    public enum Code: Hashable, Sendable {
        /// The kernel has no conntrack netlink interface (`nf_conntrack_netlink` not loaded).
        case unavailable
        /// The caller lacks `CAP_NET_ADMIN` in the table's network namespace.
        case permissionDenied
        /// The kernel refused a dump or a deletion; ``ConntrackError/errno`` says why.
        case commandFailed
        /// The network namespace could not be entered.
        case namespaceUnavailable
    }

    public var code: Code
    /// What happened, for a person.
    public var message: String
    /// The errno (positive) the kernel or the library gave, when there is one.
    public var errno: Int32?

    public init(_ code: Code, _ message: String, errno: Int32? = nil) {
        self.code = code
        self.message = message
        self.errno = errno
    }

    /// The error for a failed system or library call: the errno decides the code.
    static func failed(_ what: String, errno: Int32) -> ConntrackError {
        switch errno {
        case EPERM, EACCES:
            ConntrackError(.permissionDenied, "permission denied: \(what) needs CAP_NET_ADMIN", errno: errno)
        case EPROTONOSUPPORT, EOPNOTSUPP, EAFNOSUPPORT:
            ConntrackError(.unavailable, "conntrack is not available in this kernel: load nf_conntrack_netlink (\(what))", errno: errno)
        default:
            ConntrackError(.commandFailed, "\(what) failed", errno: errno)
        }
    }
}

extension ConntrackError: CustomStringConvertible {
    public var description: String {
        guard let errno else { return message }
        return "\(message) (errno \(errno): \(String(cString: strerror(errno))))"
    }
}
