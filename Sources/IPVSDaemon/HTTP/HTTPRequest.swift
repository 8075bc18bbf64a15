/// A request as an ``HTTPEndpointServer`` handler sees it: only `GET` and `HEAD` reach a
/// handler (the server answers every other method with 405 itself).
public struct HTTPRequest: Sendable, Hashable {
    public enum Method: String, Sendable, Hashable {
        case get = "GET"
        /// Answered like `GET`; the server sends the headers without the body.
        case head = "HEAD"
    }

    public var method: Method
    /// The path without the query, e.g. `/metrics`.
    public var path: String
    /// What followed `?` in the request target, if anything.
    public var query: String?

    public init(method: Method, path: String, query: String? = nil) {
        self.method = method
        self.path = path
        self.query = query
    }

    /// Splits a request target (`/metrics?x=1`) into path and query.
    init(method: Method, target: String) {
        if let mark = target.firstIndex(of: "?") {
            self.init(method: method, path: String(target[..<mark]), query: String(target[target.index(after: mark)...]))
        } else {
            self.init(method: method, path: target)
        }
    }
}
