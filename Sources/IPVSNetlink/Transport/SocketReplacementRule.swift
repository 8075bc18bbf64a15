/// When a netlink socket is kept after an error and when it is replaced: one rule for both
/// clients, a pure function so that it is tested without a kernel.
///
/// A socket is worth keeping only while we know where its stream stands. After a kernel refusal
/// (an error reply that ended its request) or a conversation that ran to its end, nothing for us
/// is left in it. After a timeout, a reply lost to truncation or overflow, a stream that stopped
/// making sense, or a failed system call, something may still be on its way or already lost, and
/// reasoning about what is left costs more than a new socket.
enum SocketReplacementRule {
    enum Decision: Hashable, Sendable {
        case keep
        case replace
    }

    /// - Parameters:
    ///   - error: what the operation threw.
    ///   - repliesOutstanding: whether a request on this socket was still waiting for replies
    ///     when the error was thrown (the exchange had not finished).
    static func decide(after error: IPVSError, repliesOutstanding: Bool) -> Decision {
        switch error.code {
        case .timedOut, .socketFailure, .receiveOverrun, .replyTruncated:
            // The socket itself failed or lost replies: whatever comes next cannot be trusted.
            return .replace
        default:
            // A refusal, an interrupted dump, a reply we could not decode: the socket is sound,
            // and clean when its exchange has ended. Mid-exchange the rest of the replies (a
            // dump's next parts) would still arrive.
            return repliesOutstanding ? .replace : .keep
        }
    }
}
