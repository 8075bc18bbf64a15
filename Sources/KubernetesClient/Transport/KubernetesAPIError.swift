import KubernetesAPI

/// A request to the API server that did not give what was asked: an answer other than 2xx
/// (with the server's `Status` when it sent one), a body that does not decode, or no answer.
public struct KubernetesAPIError: Error, Sendable, CustomStringConvertible {
    public struct Code: Hashable, Sendable, CustomStringConvertible {
        fileprivate let name: String
        public var description: String { name }

        /// The server answered with a status other than 2xx; see ``httpStatus`` and ``status``.
        public static let httpStatus = Code(name: "httpStatus")
        /// The answer was 2xx but its body is not the JSON expected.
        public static let malformedResponse = Code(name: "malformedResponse")
        /// No answer: the connection failed, was dropped, or the deadline passed.
        public static let transportFailed = Code(name: "transportFailed")
    }

    public var code: Code
    /// What happened, naming the request.
    public var message: String
    /// The request's path and query, such as `/api/v1/services?limit=500`.
    public var request: String
    /// The HTTP status, when an answer came.
    public var httpStatus: Int?
    /// The API's `Status` object from the body, when the server sent one.
    public var status: Status?
    /// The error underneath (AsyncHTTPClient's, NIOSSL's, a `DecodingError`).
    public var cause: (any Error & Sendable)?

    public init(
        _ code: Code, _ message: String, request: String, httpStatus: Int? = nil, status: Status? = nil,
        cause: (any Error & Sendable)? = nil
    ) {
        self.code = code
        self.message = message
        self.request = request
        self.httpStatus = httpStatus
        self.status = status
        self.cause = cause
    }

    /// The resourceVersion or continue token asked for is older than the server keeps (410
    /// Gone, or a `Status` with code 410 / reason `Expired` / `Gone`): list again from scratch.
    public var isExpired: Bool { httpStatus == 410 || (status?.isExpired ?? false) }

    /// 401: the credentials were refused; a rotated token file may hold a newer token.
    public var isUnauthorized: Bool { httpStatus == 401 }

    public var description: String { "\(message) (\(code))" }

    static func httpStatus(_ httpStatus: Int, status: Status?, request: String) -> KubernetesAPIError {
        let detail = status.flatMap { $0.message ?? $0.reason } ?? "no Status in the body"
        return KubernetesAPIError(
            .httpStatus, "\(request): HTTP \(httpStatus): \(detail)", request: request,
            httpStatus: httpStatus, status: status)
    }

    static func malformed(_ what: String, request: String, cause: any Error & Sendable) -> KubernetesAPIError {
        KubernetesAPIError(
            .malformedResponse, "\(request): \(what): \(DecodingProblem.describe(cause))",
            request: request, cause: cause)
    }

    static func transport(request: String, cause: any Error & Sendable) -> KubernetesAPIError {
        KubernetesAPIError(.transportFailed, "\(request): \(cause)", request: request, cause: cause)
    }
}
