import Logging
import NIOCore
import NIOHTTP1
import NIOPosix

#if canImport(Glibc)
    import Glibc
#endif

typealias HTTPConnection = NIOAsyncChannel<HTTPServerRequestPart, HTTPServerResponsePart>

/// One bound listening socket and the connections it accepts: the part that
/// ``HTTPEndpointServer`` and ``HealthCheckPortServers`` share.
///
/// Binding is separate from serving so that a caller learns of a bind failure at once and can
/// decide what it means (fatal for the metrics endpoint, retried later for a health port).
final class HTTPListener: Sendable {
    /// The address listened on.
    let host: String
    /// The port bound, which is the kernel's choice when 0 was asked for.
    let port: Int
    private let server: NIOAsyncChannel<HTTPConnection, Never>
    private let limits: HTTPLimits
    private let connections: ConnectionRegistry
    private let handler: HTTPEndpointServer.Handler
    private let logger: Logger

    private init(
        host: String, server: NIOAsyncChannel<HTTPConnection, Never>, port: Int, limits: HTTPLimits,
        handler: @escaping HTTPEndpointServer.Handler, logger: Logger
    ) {
        self.host = host
        self.server = server
        self.limits = limits
        self.connections = ConnectionRegistry(capacity: limits.maximumConnections)
        self.port = port
        self.handler = handler
        self.logger = logger
    }

    /// Opens a listening socket on `host:port`: an IPv4 or IPv6 address, and a port or 0 for any
    /// free one.
    static func bind(
        host: String, port: Int, limits: HTTPLimits = HTTPLimits(), eventLoopGroup: any EventLoopGroup, logger: Logger,
        handler: @escaping HTTPEndpointServer.Handler
    ) async throws(HTTPServerError) -> HTTPListener {
        let address: SocketAddress
        do {
            address = try SocketAddress(ipAddress: host, port: port)
        } catch {
            throw HTTPServerError.invalidAddress(host: host, port: port, cause: error)
        }
        let server: NIOAsyncChannel<HTTPConnection, Never>
        do {
            server = try await ServerBootstrap(group: eventLoopGroup)
                // A restart must not wait for the previous process's TIME_WAIT sockets to expire.
                .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
                .bind(to: address) { channel in
                    channel.eventLoop.makeCompletedFuture {
                        let pipeline = channel.pipeline.syncOperations
                        let deadline = RequestHeadDeadline(timeout: limits.requestHeadTimeout)
                        try pipeline.addHandler(IdleStateHandler(readTimeout: limits.idleTimeout))
                        try pipeline.addHandler(IdleConnectionCloser())
                        try pipeline.addHandler(RequestHeadDeadline.RawBytes(deadline))
                        try pipeline.configureHTTPServerPipeline()
                        try pipeline.addHandler(RequestHeadDeadline.RequestParts(deadline))
                        // The deinit-closing wrapper, on purpose: a connection accepted while the
                        // listener closes can be dropped before the accept loop sees it, and the
                        // scoped wrapper traps when dropped ("Deinited NIOAsyncWriter without
                        // calling finish()"); this one just closes it.
                        return try HTTPConnection(
                            synchronouslyWrapping: channel, configuration: .init(isOutboundHalfClosureEnabled: true))
                    }
                }
        } catch {
            throw HTTPServerError.bindFailed(host: host, port: port, error: error)
        }
        let bound = server.channel.localAddress?.port ?? port
        var logger = logger
        logger[metadataKey: "address"] = "\(HTTPServerError.endpoint(host: host, port: bound))"
        return HTTPListener(host: host, server: server, port: bound, limits: limits, handler: handler, logger: logger)
    }

    /// Accepts and serves connections until the listener is closed, then waits for the
    /// connections still answering a request.
    func serve() async {
        do {
            try await server.executeThenClose { inbound in
                await withDiscardingTaskGroup { group in
                    do {
                        for try await connection in inbound {
                            group.addTask { await self.serve(connection) }
                        }
                    } catch {
                        logger.warning("http listener stopped accepting", metadata: ["error": "\(error)"])
                    }
                }
            }
        } catch {
            logger.debug("http listener closed with an error", metadata: ["error": "\(error)"])
        }
    }

    /// Stops accepting and closes idle connections without waiting; busy ones end after their
    /// response. Safe to call from a synchronous shutdown handler, and more than once.
    func beginClosing() {
        server.channel.close(promise: nil)
        connections.closeIdle()
    }

    /// ``beginClosing()``, returning once the listening socket is closed (new connections are
    /// then refused).
    func close() async {
        beginClosing()
        try? await server.channel.closeFuture.get()
    }

    private func serve(_ connection: HTTPConnection) async {
        let id: Int
        switch connections.opened(connection.channel) {
        case .accepted(let accepted):
            id = accepted
        case .refused(let firstSinceRoom):
            // Closing, or full; the wrapper finishes on deinit.
            connection.channel.close(promise: nil)
            if firstSinceRoom {
                logger.warning(
                    "http connections refused: the listener is at its limit",
                    metadata: ["limit": "\(limits.maximumConnections)"])
            }
            return
        }
        defer { connections.closed(id) }
        do {
            try await connection.executeThenClose { inbound, outbound in
                var request: HTTPRequestHead?
                var bodyBytes = 0
                var closing = false
                /// Ends the connection after the last response: the output is shut once the
                /// response is written, then the client's own close is awaited. Returning at once
                /// would close the socket with the tail of a large response (a /metrics of
                /// 10,000 services, 8 MB) still unsent: the client read a truncated body.
                func closeAfterWriting() {
                    outbound.finish()
                    closing = true
                }
                for try await part in inbound {
                    guard !closing else { continue }
                    switch part {
                    case .head(let head):
                        connections.busy(id)
                        request = head
                        bodyBytes = 0
                    case .body(let chunk):
                        // No endpoint takes a body: a little is read past, more is refused.
                        bodyBytes += chunk.readableBytes
                        guard bodyBytes > limits.maximumBodyBytes, let head = request else { continue }
                        let refusal = HTTPResponse.text("request body too large\n", status: 413)
                        try await outbound.write(contentsOf: Self.parts(of: refusal, answering: head, keepAlive: false))
                        closeAfterWriting()
                    case .end:
                        guard let head = request else { continue }
                        request = nil
                        let keepAlive = head.isKeepAlive && !connections.isClosing
                        try await outbound.write(contentsOf: await Self.respond(to: head, keepAlive: keepAlive, handler: handler))
                        if !keepAlive || !connections.idle(id) { closeAfterWriting() }
                    }
                }
            }
        } catch {
            // Resets and malformed requests (already answered 400 by NIO) end here.
            logger.debug("http connection ended with an error", metadata: ["error": "\(error)"])
        }
    }

    /// The response to one request: `handler`'s answer to `GET` and `HEAD`, 405 to the rest.
    /// Static (no socket needed) so that the fuzz package (Fuzz/) can drive it behind NIO's HTTP
    /// parser in an EmbeddedChannel.
    static func respond(
        to head: HTTPRequestHead, keepAlive: Bool, handler: HTTPEndpointServer.Handler
    ) async -> [HTTPServerResponsePart] {
        let response: HTTPResponse
        switch head.method {
        case .GET: response = await handler(HTTPRequest(method: .get, target: head.uri))
        case .HEAD: response = await handler(HTTPRequest(method: .head, target: head.uri))
        default:
            var refusal = HTTPResponse.text("method not allowed\n", status: 405)
            refusal.headers.append(.init("Allow", "GET, HEAD"))
            response = refusal
        }
        return Self.parts(of: response, answering: head, keepAlive: keepAlive)
    }

    private static func parts(of response: HTTPResponse, answering head: HTTPRequestHead, keepAlive: Bool) -> [HTTPServerResponsePart] {
        var headers = HTTPHeaders()
        headers.add(name: "Content-Type", value: response.contentType)
        for header in response.headers { headers.add(name: header.name, value: header.value) }
        headers.add(name: "Content-Length", value: "\(response.body.count)")
        headers.add(name: "Connection", value: keepAlive ? "keep-alive" : "close")
        let responseHead = HTTPResponseHead(
            version: head.version, status: HTTPResponseStatus(statusCode: response.status), headers: headers)
        // HEAD gets GET's headers, Content-Length included, without the body.
        guard head.method != .HEAD, !response.body.isEmpty else {
            return [.head(responseHead), .end(nil)]
        }
        return [.head(responseHead), .body(.byteBuffer(ByteBuffer(bytes: response.body))), .end(nil)]
    }
}
