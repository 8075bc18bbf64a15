import NIOCore
import NIOSSL

#if canImport(Glibc)
    import Glibc
#elseif canImport(Musl)
    import Musl
#elseif canImport(Darwin)
    import Darwin
#endif

extension ProbeFailure {
    /// Sorts an error from connecting to, or talking with, a target into a failure kind:
    /// refusals and connect timeouts apart from the rest.
    init(network error: any Error, while doing: String) {
        switch error {
        case let error as IOError where error.errnoCode == ECONNREFUSED:
            self.init(.connectionRefused, "connection refused while \(doing)", underlying: error)
        case let error as IOError where error.errnoCode == ETIMEDOUT:
            self.init(.timeout, "timed out while \(doing)", underlying: error)
        case ChannelError.connectTimeout:
            self.init(.timeout, "timed out while \(doing)", underlying: error)
        default:
            self.init(.error, "failed while \(doing)", underlying: error)
        }
    }
}

extension ProbeFailure {
    /// A certificate the handshake refused, as `.certificateRejected`; nil for any other error
    /// (a server that does not speak TLS, a reset mid-handshake stay `.error`).
    init?(tls error: any Error, serverName: String?) {
        switch error {
        case let error as NIOSSLExtraError where error == .failedToValidateHostname:
            self.init(.certificateRejected, "certificate verify failed: it does not name \(serverName ?? "the server")", underlying: error)
        case NIOSSLError.handshakeFailed(.sslError(let errors))
        where errors.contains(where: { "\($0)".contains("CERTIFICATE_VERIFY_FAILED") }):
            self.init(
                .certificateRejected, "certificate verify failed: it does not chain to a trusted root, or has expired", underlying: error)
        default:
            return nil
        }
    }
}
