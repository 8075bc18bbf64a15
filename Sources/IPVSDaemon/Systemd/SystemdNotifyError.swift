#if canImport(Glibc)
    import Glibc
#endif

/// A notification that could not be delivered to systemd.
///
/// Never fatal by itself: the service keeps running, but systemd may not learn that it is ready,
/// reloading or alive, so callers log it.
public struct SystemdNotifyError: Error, Sendable, CustomStringConvertible {
    public struct Code: Hashable, Sendable, CustomStringConvertible {
        fileprivate let name: String
        public var description: String { name }

        /// `NOTIFY_SOCKET` is neither an absolute path nor an abstract `@name`, or is too long
        /// for a `sockaddr_un`.
        public static let invalidSocketAddress = Code(name: "invalidSocketAddress")
        /// The datagram socket could not be created.
        public static let socketFailed = Code(name: "socketFailed")
        /// The kernel refused the datagram (systemd gone, socket full, permission).
        public static let sendFailed = Code(name: "sendFailed")
    }

    public var code: Code
    /// What happened, for a person.
    public var message: String
    /// The notify socket as given in `NOTIFY_SOCKET`.
    public var socket: String
    /// The errno (positive), when a system call failed.
    public var errno: Int32?

    public init(_ code: Code, _ message: String, socket: String, errno: Int32? = nil) {
        self.code = code
        self.message = message
        self.socket = socket
        self.errno = errno
    }

    public var description: String {
        guard let errno else { return "\(message) (\(code))" }
        return "\(message): \(String(cString: strerror(errno))) (\(code), errno \(errno))"
    }
}
