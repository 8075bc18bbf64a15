/// What a handler answers. The server adds `Content-Length` and `Connection`.
public struct HTTPResponse: Sendable, Hashable {
    /// One extra response header.
    public struct Header: Sendable, Hashable {
        public var name: String
        public var value: String

        public init(_ name: String, _ value: String) {
            self.name = name
            self.value = value
        }
    }

    /// The status code, e.g. 200; the reason phrase is the standard one.
    public var status: Int
    public var contentType: String
    /// Headers besides `Content-Type`, `Content-Length` and `Connection`.
    public var headers: [Header]
    public var body: [UInt8]

    public init(status: Int, contentType: String, headers: [Header] = [], body: [UInt8]) {
        self.status = status
        self.contentType = contentType
        self.headers = headers
        self.body = body
    }

    /// A `text/plain` response.
    public static func text(_ text: String, status: Int = 200) -> HTTPResponse {
        HTTPResponse(status: status, contentType: "text/plain; charset=utf-8", body: Array(text.utf8))
    }

    /// 404, for a path the handler does not serve.
    public static let notFound = HTTPResponse.text("not found\n", status: 404)
}
