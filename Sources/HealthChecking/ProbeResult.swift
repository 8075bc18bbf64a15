/// The result of one probe of one target: success or why not, and how long it took.
public struct ProbeResult: Sendable {
    /// Why the probe failed; nil when it succeeded.
    public var failure: ProbeFailure?
    /// From the start of the probe to its verdict, timeouts included.
    public var duration: Duration

    public init(failure: ProbeFailure? = nil, duration: Duration) {
        self.failure = failure
        self.duration = duration
    }

    /// The target answered as its check expects.
    public static func success(duration: Duration) -> ProbeResult {
        ProbeResult(failure: nil, duration: duration)
    }

    /// The target did not answer, or not as expected.
    public static func failure(_ failure: ProbeFailure, duration: Duration) -> ProbeResult {
        ProbeResult(failure: failure, duration: duration)
    }

    /// Whether the probe counts as a success towards `rise`.
    public var isSuccess: Bool { failure == nil }
}

extension ProbeResult: CustomStringConvertible {
    public var description: String {
        if let failure { "failure after \(duration): \(failure)" } else { "success after \(duration)" }
    }
}

/// Why a probe failed: a kind that metrics can count, a message for people, and the error
/// underneath when there was one.
public struct ProbeFailure: Error, Sendable {
    /// The failure kinds, as metrics label them.
    public enum Kind: String, Hashable, Sendable, CaseIterable {
        /// No verdict within the check's timeout.
        case timeout
        /// The target refused the connection (TCP RST, or ICMP port unreachable for UDP).
        case connectionRefused
        /// HTTP status outside the expected range.
        case unexpectedStatus
        /// HTTP body without the expected substring.
        case bodyMismatch
        /// A UDP reply that was not the expected one.
        case unexpectedReply
        /// The command exited with a status other than 0, or was killed by a signal.
        case nonZeroExit
        /// An HTTPS check that verifies certificates was shown one that fails: not from a
        /// trusted CA, expired, or not naming the check's server name. Kept apart from `error`
        /// because the fix is a certificate, not a server: an expired certificate takes every
        /// endpoint out at once.
        case certificateRejected
        /// Anything else: unreachable network, any other TLS failure, a reset mid-way, a
        /// command that cannot be started.
        case error
    }

    public var kind: Kind
    /// What happened, in words, with the values involved (status, exit code, bytes).
    public var message: String
    /// The error that caused the failure, when there was one.
    public var underlying: (any Error)?

    public init(_ kind: Kind, _ message: String, underlying: (any Error)? = nil) {
        self.kind = kind
        self.message = message
        self.underlying = underlying
    }
}

extension ProbeFailure: CustomStringConvertible {
    public var description: String {
        if let underlying { "\(kind.rawValue): \(message) (\(underlying))" } else { "\(kind.rawValue): \(message)" }
    }
}
