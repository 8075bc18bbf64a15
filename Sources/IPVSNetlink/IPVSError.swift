import IPVSCore
import IPVSWire

#if canImport(Glibc)
    import Glibc
#endif

/// Everything that can go wrong talking to the kernel's IPVS, with enough context to act on.
public struct IPVSError: Error, Sendable {
    public struct Code: Hashable, Sendable, CustomStringConvertible {
        fileprivate let name: String
        public var description: String { name }

        /// The kernel has no IPVS (module not loaded or not built).
        public static let ipvsUnavailable = Code(name: "ipvsUnavailable")
        /// The caller lacks `CAP_NET_ADMIN` in the socket's network namespace.
        public static let permissionDenied = Code(name: "permissionDenied")
        /// The kernel refused a command; ``IPVSError/errno`` says why.
        public static let commandFailed = Code(name: "commandFailed")
        /// No complete answer arrived before the operation's deadline.
        public static let timedOut = Code(name: "timedOut")
        /// The socket could not be created, configured or used.
        public static let socketFailure = Code(name: "socketFailure")
        /// The kernel dropped replies because the receive buffer overflowed (`ENOBUFS`): some
        /// per-command errors may be lost, so the state must be read again.
        public static let receiveOverrun = Code(name: "receiveOverrun")
        /// A reply could not be decoded.
        public static let malformedReply = Code(name: "malformedReply")
        /// A reply datagram was larger than the receive buffer and was cut (`MSG_TRUNC`): replies
        /// were lost, so the state must be read again (the buffer has grown to fit it next time).
        public static let replyTruncated = Code(name: "replyTruncated")
        /// A dump kept being interrupted by concurrent changes.
        public static let dumpInterrupted = Code(name: "dumpInterrupted")
        /// The network namespace to talk to could not be entered.
        public static let namespaceUnavailable = Code(name: "namespaceUnavailable")
    }

    public var code: Code
    /// What happened, for a person.
    public var message: String
    /// The IPVS command, when the error concerns one.
    public var command: IPVSCommand?
    /// The virtual service or real server concerned (`TCP 192.0.2.1:80 -> 198.51.100.7:8080`).
    public var object: String?
    /// The kernel's errno (positive), when it gave one.
    public var errno: Int32?
    /// The libnl error code (positive `NLE_*`), when libnl gave one.
    public var libnlCode: Int32?
    /// The kernel's extended-ACK text, when it gave one.
    public var kernelMessage: String?
    /// The error underneath, such as a ``WireDecodingError``.
    public var cause: (any Error & Sendable)?

    public init(
        _ code: Code, _ message: String, command: IPVSCommand? = nil, object: String? = nil,
        errno: Int32? = nil, libnlCode: Int32? = nil, kernelMessage: String? = nil,
        cause: (any Error & Sendable)? = nil
    ) {
        self.code = code
        self.message = message
        self.command = command
        self.object = object
        self.errno = errno
        self.libnlCode = libnlCode
        self.kernelMessage = kernelMessage
        self.cause = cause
    }

    static func unavailable() -> IPVSError {
        IPVSError(
            .ipvsUnavailable, "IPVS is not available in this kernel: load the ip_vs module (modprobe ip_vs)",
            libnlCode: 12)
    }

    /// The conversation with the kernel broke down: a datagram cut short, a stream that does not
    /// decode, or messages the kernel says it lost.
    init(conversation error: NetlinkConversationError) {
        switch error.code {
        case .truncated:
            self.init(.replyTruncated, error.message, cause: error)
        case .malformed:
            self.init(
                .malformedReply, "the kernel's reply could not be decoded: \(error.message)",
                cause: error.cause.map { $0 as any Error & Sendable } ?? error)
        case .overrun:
            self.init(.receiveOverrun, error.message, cause: error)
        }
    }

    /// An error the kernel returned for one request, with the request's words.
    static func kernel(errno: Int32, request: IPVSRequest, kernelMessage: String?) -> IPVSError {
        if errno == EPERM || errno == EACCES {
            return IPVSError(
                .permissionDenied, "permission denied: changing or reading IPVS needs CAP_NET_ADMIN",
                command: request.command, object: request.object, errno: errno, kernelMessage: kernelMessage)
        }
        return IPVSError(
            .commandFailed, Self.explain(errno: errno, request: request),
            command: request.command, object: request.object, errno: errno, kernelMessage: kernelMessage)
    }

    /// Turns the kernel's terse errno into what it means for this command.
    private static func explain(errno: Int32, request: IPVSRequest) -> String {
        switch (errno, request) {
        case (EEXIST, .newService): return "the virtual service already exists"
        case (EEXIST, .newRealServer): return "the real server already exists in this virtual service"
        case (ESRCH, _): return "no such virtual service"
        case (ENOENT, .newService(let service)), (ENOENT, .setService(let service)):
            return
                "no scheduler '\(service.scheduler.rawValue)' or persistence engine in this kernel (module ip_vs_\(service.scheduler.rawValue) missing?)"
        case (ENOENT, .deleteRealServer), (ENOENT, .setRealServer): return "no such real server in this virtual service"
        case (EINVAL, .newRealServer), (EINVAL, .setRealServer):
            return
                "invalid real server (the address must be unicast and routable from this namespace; weight at most 2147483647; only tunnels may mix families)"
        default: return Self.errnoText(errno)
        }
    }

    static func errnoText(_ errno: Int32) -> String {
        String(cString: strerror(errno))
    }
}

extension IPVSError: CustomStringConvertible {
    public var description: String {
        var text = ""
        if let command { text += "\(command): " }
        if let object { text += "\(object): " }
        text += message
        if let errno { text += " (errno \(errno): \(Self.errnoText(errno)))" }
        if let kernelMessage, !kernelMessage.isEmpty { text += " [kernel: \(kernelMessage)]" }
        if let cause { text += " [\(cause)]" }
        return text
    }
}

/// The outcome of a batch of write commands: the kernel applies every command it can, in order,
/// so a batch can half-fail. Each failure names its request.
public struct BatchResult: Sendable {
    public struct Failure: Sendable {
        /// Position of the request in the batch that was passed in.
        public var index: Int
        public var request: IPVSRequest
        public var error: IPVSError

        public init(index: Int, request: IPVSRequest, error: IPVSError) {
            self.index = index
            self.request = request
            self.error = error
        }
    }

    /// How many requests the kernel applied.
    public var applied: Int
    public var failures: [Failure]

    public var succeeded: Bool { failures.isEmpty }

    public init(applied: Int, failures: [Failure]) {
        self.applied = applied
        self.failures = failures
    }
}
