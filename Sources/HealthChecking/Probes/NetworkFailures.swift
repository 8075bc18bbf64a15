import NIOCore

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
