import AsyncHTTPClient
import KubernetesAPI
import Logging
import NIOCore
import NIOHTTP1

#if canImport(FoundationEssentials)
    import FoundationEssentials
#else
    import Foundation
#endif

/// Talks to one API server: one page of a list, a watch, and all pages of a list. One
/// AsyncHTTPClient `HTTPClient` underneath; call ``shutdown()`` when done.
///
/// Every request carries `Accept: application/json` and the bearer token, if any; a 401 makes
/// the token file be re-read and the request be sent once more.
public final class KubernetesHTTPClient: Sendable {
    public struct Configuration: Sendable {
        /// The longest a list page may take, answer and body.
        public var requestTimeout: Duration = .seconds(60)
        public var connectTimeout: Duration = .seconds(10)
        /// A list body larger than this is refused rather than held in memory.
        public var maximumListBodyBytes = 512 * 1024 * 1024
        /// A watch line longer than this ends the watch with an error.
        public var maximumWatchLineBytes = WatchLineSplitter.defaultMaximumLineLength
        /// How often, at most, the token file is looked at for a newer token.
        public var tokenRecheckInterval: Duration = .seconds(5)

        public init() {}
    }

    public let credentials: KubernetesCredentials
    let configuration: Configuration
    private let httpClient: HTTPClient
    private let tokenSource: BearerTokenSource?
    private let logger: Logger

    /// - Throws: ``KubernetesConfigError`` or an NIOSSL error when the credentials' PEMs do
    ///   not parse.
    public init(
        credentials: KubernetesCredentials, configuration: Configuration = Configuration(),
        eventLoopGroup: any EventLoopGroup = HTTPClient.defaultEventLoopGroup, logger: Logger
    ) throws {
        var httpConfiguration = HTTPClient.Configuration(
            tlsConfiguration: try credentials.makeTLSConfiguration(),
            redirectConfiguration: .disallow,
            // No read timeout: a watch may be quiet for minutes. Each operation bounds itself.
            timeout: .init(connect: .init(configuration.connectTimeout), read: nil))
        httpConfiguration.decompression = .disabled
        self.httpClient = HTTPClient(
            eventLoopGroup: eventLoopGroup, configuration: httpConfiguration,
            backgroundActivityLogger: logger)
        self.credentials = credentials
        self.configuration = configuration
        self.tokenSource = credentials.token.map { BearerTokenSource($0, recheckInterval: configuration.tokenRecheckInterval) }
        self.logger = logger
    }

    /// Closes every connection. Watches still running end with an error.
    public func shutdown() async throws {
        try await httpClient.shutdown()
    }

    /// One page of `Object`'s collection.
    public func list<Object: KubernetesObject>(
        _ type: Object.Type = Object.self, query: ListQuery
    ) async throws
        -> ObjectList<Object>
    {
        let target = requestTarget(path: Object.collectionPath, query: query.queryItems)
        return try await withTimeout(configuration.requestTimeout, request: target) {
            let response = try await self.send(target, timeout: self.configuration.requestTimeout)
            let body: ByteBuffer
            do {
                body = try await response.body.collect(upTo: self.configuration.maximumListBodyBytes)
            } catch {
                throw Self.mapTransportError(error, request: target)
            }
            do {
                return try JSONDecoder().decode(ObjectList<Object>.self, from: Data(body.readableBytesView))
            } catch {
                throw KubernetesAPIError.malformed("the list does not decode", request: target, cause: error)
            }
        }
    }

    /// A watch of `Object`'s collection: returns once the server answered 2xx; events then
    /// arrive on the sequence until the server ends the watch (nil) or it fails (throws).
    /// Cancelling the consuming task ends it.
    ///
    /// - Throws: ``KubernetesAPIError``, with ``KubernetesAPIError/isExpired`` when
    ///   `resourceVersion` is too old (410).
    public func watch<Object: KubernetesObject>(
        _ type: Object.Type = Object.self, query: WatchQuery
    ) async throws
        -> WatchEventStream<Object>
    {
        let target = requestTarget(path: Object.collectionPath, query: query.queryItems)
        let response = try await send(target, timeout: configuration.requestTimeout)
        return WatchEventStream(
            body: response.body, request: target,
            maximumLineLength: configuration.maximumWatchLineBytes)
    }

    /// Sends a GET and returns a 2xx response with its body unread; anything else is thrown as
    /// a ``KubernetesAPIError`` with the server's `Status`. A 401 re-reads the token file and
    /// sends once more.
    private func send(_ target: String, timeout: Duration) async throws -> HTTPClientResponse {
        var refreshedToken = false
        while true {
            var request = HTTPClientRequest(url: credentials.server + target)
            request.headers.add(name: "Accept", value: "application/json")
            request.headers.add(name: "User-Agent", value: "ipvsctl-swift")
            if let tokenSource {
                request.headers.add(name: "Authorization", value: "Bearer \(try await tokenSource.value())")
            }
            let response: HTTPClientResponse
            do {
                response = try await httpClient.execute(request, deadline: .now() + .init(timeout), logger: logger)
            } catch {
                throw Self.mapTransportError(error, request: target)
            }
            let code = Int(response.status.code)
            if (200..<300).contains(code) { return response }

            let status = await Self.readStatus(response.body)
            if code == 401, !refreshedToken, let tokenSource, try await tokenSource.refreshAfterUnauthorized() {
                refreshedToken = true
                logger.notice(
                    "API server refused the token; token file re-read, request sent again",
                    metadata: ["request": "\(target)"])
                continue
            }
            throw KubernetesAPIError.httpStatus(code, status: status, request: target)
        }
    }

    /// The `Status` in an error body, if the body is one (proxies answer with HTML).
    private static func readStatus(_ body: HTTPClientResponse.Body) async -> Status? {
        guard let bytes = try? await body.collect(upTo: 1024 * 1024) else { return nil }
        return try? JSONDecoder().decode(Status.self, from: Data(bytes.readableBytesView))
    }

    static func mapTransportError(_ error: any Error, request: String) -> any Error {
        if error is CancellationError || error is KubernetesAPIError { return error }
        if Task.isCancelled { return CancellationError() }
        return KubernetesAPIError.transport(request: request, cause: error)
    }

    /// Runs `operation`, cancelling it and throwing a transport error after `timeout`:
    /// AsyncHTTPClient's deadline covers only the response head, not the body.
    private func withTimeout<Result: Sendable>(
        _ timeout: Duration, request: String,
        _ operation: @escaping @Sendable () async throws -> Result
    ) async throws -> Result {
        try await withThrowingTaskGroup(of: Result?.self) { group in
            group.addTask { try await operation() }
            group.addTask {
                try await Task.sleep(for: timeout)
                return nil
            }
            defer { group.cancelAll() }
            guard let first = try await group.next(), let result = first else {
                throw KubernetesAPIError(
                    .transportFailed, "\(request): no complete answer within \(timeout)",
                    request: request)
            }
            return result
        }
    }
}
