/// A failure of our netfilter table: the code says what kind, the message what happened, and
/// `detail` carries libnftables' own error text (it names the command and the reason).
public struct NftablesError: Error, Hashable, Sendable, CustomStringConvertible {
    public enum Code: String, Hashable, Sendable {
        /// libnftables could not be set up, or the kernel has no nf_tables.
        case unavailable
        /// The kernel refused the transaction: nothing of it was applied.
        case transactionRefused
        /// A listing could not be read.
        case malformedListing
        /// The network namespace could not be entered.
        case namespaceUnavailable
    }

    public var code: Code
    public var message: String
    public var detail: String?

    public init(_ code: Code, _ message: String, detail: String? = nil) {
        self.code = code
        self.message = message
        self.detail = detail
    }

    public var description: String {
        guard let detail, !detail.isEmpty else { return message }
        return message + ": " + detail
    }
}
