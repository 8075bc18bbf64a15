import IPVSDaemon
import ServiceLifecycle
import Testing

#if canImport(Glibc)
    import Glibc
#endif

@Suite("HTTP endpoint server")
struct HTTPEndpointServerTests {
    /// Answers /echo with what it was asked, /metrics with a fixed body, anything else 404.
    static let handler: HTTPEndpointServer.Handler = { request in
        switch request.path {
        case "/echo":
            return .text("\(request.method.rawValue) \(request.path) \(request.query ?? "-")")
        case "/large":
            // Far more than a socket's buffers take at once, as /metrics at 10,000 services.
            return HTTPResponse(status: 200, contentType: "text/plain", body: Array(repeating: UInt8(ascii: "x"), count: 8 << 20))
        case "/metrics":
            return HTTPResponse(
                status: 200, contentType: "text/plain; version=0.0.4; charset=utf-8",
                headers: [.init("Cache-Control", "no-store")], body: Array("up 1\n".utf8))
        default:
            return .notFound
        }
    }

    static func server(host: String = "127.0.0.1", port: Int = 0) -> HTTPEndpointServer {
        HTTPEndpointServer(host: host, port: port, logger: quietLogger, handler: handler)
    }

    /// Runs a server on a port the kernel picks while `body` talks to it.
    static func withServer(host: String = "127.0.0.1", _ body: @Sendable (Int) async throws -> Void) async throws {
        let server = server(host: host)
        try await withServices([server]) { _ in try await body(try await server.boundPort()) }
    }

    @Test("GET reaches the handler with path and query apart; its status, type and headers come back")
    func get() async throws {
        try await Self.withServer { port in
            #expect(port > 0)
            let echo = try await TestHTTPClient.request("/echo?x=1&y=2", port: port)
            #expect(echo.status == 200)
            #expect(echo.text == "GET /echo x=1&y=2")
            let metrics = try await TestHTTPClient.request("/metrics", port: port)
            #expect(metrics.status == 200)
            #expect(metrics.headers["content-type"] == "text/plain; version=0.0.4; charset=utf-8")
            #expect(metrics.headers["cache-control"] == "no-store")
            #expect(metrics.headers["content-length"] == "5")
            #expect(metrics.headers["connection"] == "close")
            #expect(metrics.text == "up 1\n")
            let missing = try await TestHTTPClient.request("/nothing", port: port)
            #expect(missing.status == 404)
        }
    }

    @Test("a large body with Connection: close arrives whole before the server closes")
    func largeBodyThenClose() async throws {
        try await Self.withServer { port in
            let connection = try await TestHTTPClient.Connection(port: port)
            try await connection.send("GET /large HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n")
            // Read slowly at first, so the server's writes wait for the socket.
            try await Task.sleep(for: .milliseconds(300))
            let received = try await connection.readToEnd()
            let head = try #require(received.firstRange(of: Array("\r\n\r\n".utf8)))
            #expect(received.count - head.upperBound == 8 << 20)
        }
    }

    @Test("HEAD gets GET's headers and length without a body")
    func head() async throws {
        try await Self.withServer { port in
            let raw = "HEAD /metrics HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n"
            let bytes = try await TestHTTPClient.Connection(port: port)
            try await bytes.send(raw)
            let received = try await bytes.readToEnd()
            let text = String(decoding: received, as: UTF8.self)
            #expect(text.hasPrefix("HTTP/1.1 200 OK\r\n"))
            #expect(text.lowercased().contains("content-length: 5\r\n"))
            #expect(text.hasSuffix("\r\n\r\n"))
        }
    }

    @Test("methods other than GET and HEAD get 405 with Allow, without calling the handler")
    func otherMethods() async throws {
        try await Self.withServer { port in
            for method in ["POST", "PUT", "DELETE"] {
                let response = try await TestHTTPClient.request("/echo", method: method, port: port)
                #expect(response.status == 405)
                #expect(response.headers["allow"] == "GET, HEAD")
                #expect(!response.text.contains("/echo"))
            }
        }
    }

    @Test("keep-alive: pipelined requests on one connection are answered in order")
    func keepAlive() async throws {
        try await Self.withServer { port in
            let raw =
                "GET /echo?1 HTTP/1.1\r\nHost: t\r\n\r\n"
                + "GET /echo?2 HTTP/1.1\r\nHost: t\r\n\r\n"
                + "GET /echo?3 HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n"
            let responses = try await TestHTTPClient.exchange(raw, port: port)
            #expect(responses.map(\.text) == ["GET /echo 1", "GET /echo 2", "GET /echo 3"])
            #expect(responses.map { $0.headers["connection"] } == ["keep-alive", "keep-alive", "close"])
        }
    }

    @Test("an IPv6 address binds and serves")
    func ipv6() async throws {
        try await Self.withServer(host: "::1") { port in
            let response = try await TestHTTPClient.request("/echo", host: "::1", port: port)
            #expect(response.text == "GET /echo -")
        }
    }

    @Test("a port in use ends run with bindFailed naming the address and port")
    func bindFailure() async throws {
        let taken = try TestListener()
        let server = Self.server(port: Int(taken.port))
        let error = await #expect(throws: HTTPServerError.self) { try await server.run() }
        #expect(error?.code == .bindFailed)
        #expect(error?.errno == EADDRINUSE)
        #expect(error?.message.contains("127.0.0.1:\(taken.port)") == true)
        await #expect(throws: HTTPServerError.self) { try await server.boundPort() }
    }

    @Test("a host that is not an IP address is refused with invalidAddress, without resolving it")
    func invalidAddress() async throws {
        for host in ["localhost", "192.0.2.256", "2001:db8::g"] {
            let server = Self.server(host: host, port: 9469)
            let error = await #expect(throws: HTTPServerError.self) { try await server.run() }
            #expect(error?.code == .invalidAddress)
            #expect(error?.host == host)
            #expect(error?.message.contains("\(host.contains(":") ? "[\(host)]" : host):9469") == true)
        }
    }

    @Test("graceful shutdown closes the listener and idle keep-alive connections, then run returns")
    func gracefulShutdown() async throws {
        let server = Self.server()
        let port = try await withServices([server]) { group in
            let port = try await server.boundPort()
            let idle = try await TestHTTPClient.Connection(port: port)
            try await idle.send("GET /echo HTTP/1.1\r\nHost: t\r\n\r\n")
            let first = try await idle.readResponse()
            #expect(first?.headers["connection"] == "keep-alive")
            await group.triggerGracefulShutdown()
            // The server ends the idle connection itself: the client reads end-of-stream.
            let rest = try await idle.readToEnd()
            #expect(rest.isEmpty)
            return port
        }
        #expect(await TestHTTPClient.connectError(port: port) == ECONNREFUSED)
        await #expect(throws: HTTPServerError.self) { try await server.boundPort() }
    }

    @Test("cancellation stops a server run outside a service group")
    func cancellation() async throws {
        let server = Self.server()
        let run = Task { try await server.run() }
        let port = try await server.boundPort()
        run.cancel()
        try await run.value
        #expect(await TestHTTPClient.connectError(port: port) == ECONNREFUSED)
    }
}
