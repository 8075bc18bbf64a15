import NIOCore

#if canImport(Glibc)
    import Glibc
#endif

/// A listener that could not be opened.
public struct HTTPServerError: Error, Sendable, CustomStringConvertible {
    public struct Code: Hashable, Sendable, CustomStringConvertible {
        fileprivate let name: String
        public var description: String { name }

        /// The address is not an address of this host, or the port is taken or privileged.
        public static let bindFailed = Code(name: "bindFailed")
        /// The host is not an IPv4 or IPv6 address (names are not resolved: a daemon must not
        /// wait on DNS to start).
        public static let invalidAddress = Code(name: "invalidAddress")
        /// The server stopped (or its caller gave up waiting) before it was listening.
        public static let notListening = Code(name: "notListening")
    }

    public var code: Code
    /// What happened, naming the address and port.
    public var message: String
    /// The address asked for, as given.
    public var host: String
    public var port: Int
    /// The errno (positive), when the socket layer gave one.
    public var errno: Int32?
    /// The error underneath, from SwiftNIO.
    public var cause: (any Error & Sendable)?

    public init(
        _ code: Code, _ message: String, host: String, port: Int, errno: Int32? = nil,
        cause: (any Error & Sendable)? = nil
    ) {
        self.code = code
        self.message = message
        self.host = host
        self.port = port
        self.errno = errno
        self.cause = cause
    }

    public var description: String { "\(message) (\(code))" }

    /// `host:port`, with brackets around an IPv6 address.
    static func endpoint(host: String, port: Int) -> String {
        host.contains(":") ? "[\(host)]:\(port)" : "\(host):\(port)"
    }

    /// A host that is not an IP address.
    static func invalidAddress(host: String, port: Int, cause: any Error) -> HTTPServerError {
        HTTPServerError(
            .invalidAddress, "cannot listen on \(endpoint(host: host, port: port)): not an IP address",
            host: host, port: port, cause: cause)
    }

    /// The error for a failed bind, with the errno out of NIO's error where there is one.
    static func bindFailed(host: String, port: Int, error: any Error) -> HTTPServerError {
        let endpoint = endpoint(host: host, port: port)
        guard let error = error as? IOError else {
            return HTTPServerError(
                .bindFailed, "cannot listen on \(endpoint): \(error)", host: host, port: port,
                cause: error)
        }
        return HTTPServerError(
            .bindFailed, "cannot listen on \(endpoint): \(String(cString: strerror(error.errnoCode)))",
            host: host, port: port, errno: error.errnoCode, cause: error)
    }
}
