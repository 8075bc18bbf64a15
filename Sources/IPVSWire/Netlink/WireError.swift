/// A message that could not be decoded: truncated, malformed, or missing what the kernel always
/// sends. Decoding never traps; every problem surfaces as this error.
public struct WireDecodingError: Error, Hashable, Sendable {
    public enum Code: String, Hashable, Sendable {
        /// Fewer bytes than a header or a length field promises.
        case truncated
        /// A length or type that cannot be right.
        case malformed
        /// A required attribute is absent.
        case missingAttribute
        /// An attribute whose value is not one this model knows (an unknown family, say).
        case invalidValue
    }

    public var code: Code
    /// What was wrong, for a person.
    public var message: String
    /// Where in the message (`service`, `dest.addr`, ...).
    public var context: String
    /// Byte offset within the datagram or attribute block, when known.
    public var offset: Int?

    public init(_ code: Code, _ message: String, context: String, offset: Int? = nil) {
        self.code = code
        self.message = message
        self.context = context
        self.offset = offset
    }

    /// The same, for a context written as a literal where it is passed along.
    public init(_ code: Code, _ message: String, context: StaticString, offset: Int? = nil) {
        self.init(code, message, context: "\(context)", offset: offset)
    }
}

extension WireDecodingError: CustomStringConvertible {
    public var description: String {
        let at = offset.map { " at byte \($0)" } ?? ""
        return "cannot decode \(context)\(at): \(message) (\(code.rawValue))"
    }
}
