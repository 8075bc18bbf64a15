import IPVSDaemon
import NIOCore
import Testing

/// The limits that keep an endpoint answering while clients misbehave, over real loopback
/// sockets with a raw client.
@Suite("HTTP limits: slow heads, connection floods, bodies, garbage")
struct HTTPLimitTests {
    static func withServer(_ limits: HTTPLimits, _ body: @Sendable (Int) async throws -> Void) async throws {
        let server = HTTPEndpointServer(
            host: "127.0.0.1", port: 0, limits: limits, logger: quietLogger, handler: HTTPEndpointServerTests.handler)
        try await withServices([server]) { _ in try await body(try await server.boundPort()) }
    }

    @Test("a client that trickles its head is closed after the head timeout; others are answered meanwhile")
    func slowHead() async throws {
        try await Self.withServer(HTTPLimits(requestHeadTimeout: .milliseconds(300))) { port in
            let slow = try await TestHTTPClient.Connection(port: port)
            try await slow.send("GET /metrics HTTP/1.1\r\nHost: t\r\nX-Slow: ")
            let other = try await TestHTTPClient.request("/metrics", port: port)
            #expect(other.status == 200)
            // Closed without an answer (the client's own safety net is 20 s).
            #expect(try await slow.readToEnd().isEmpty)
        }
    }

    @Test("a keep-alive connection silent between requests is not taken for a slow head")
    func keepAliveSilence() async throws {
        try await Self.withServer(HTTPLimits(requestHeadTimeout: .milliseconds(200))) { port in
            let connection = try await TestHTTPClient.Connection(port: port)
            try await connection.send("GET /echo?1 HTTP/1.1\r\nHost: t\r\n\r\n")
            #expect(try await connection.readResponse()?.text == "GET /echo 1")
            try await Task.sleep(for: .milliseconds(600))
            try await connection.send("GET /echo?2 HTTP/1.1\r\nHost: t\r\n\r\n")
            #expect(try await connection.readResponse()?.text == "GET /echo 2")
        }
    }

    @Test("one connection past the limit is closed at once; once one leaves, there is room again")
    func connectionLimit() async throws {
        try await Self.withServer(HTTPLimits(maximumConnections: 3)) { port in
            var held: [TestHTTPClient.Connection] = []
            for index in 0..<3 {
                let connection = try await TestHTTPClient.Connection(port: port)
                try await connection.send("GET /echo?\(index) HTTP/1.1\r\nHost: t\r\n\r\n")
                #expect(try await connection.readResponse()?.status == 200)
                held.append(connection)
            }
            let refused = try await TestHTTPClient.Connection(port: port)
            try? await refused.send("GET /echo?x HTTP/1.1\r\nHost: t\r\n\r\n")
            #expect(try await refused.readToEnd().isEmpty)
            held.removeFirst()  // closes its socket; the server notices the end of stream
            var answered = false
            for _ in 0..<50 where !answered {
                if let response = try? await TestHTTPClient.request("/echo?again", port: port), response.status == 200 {
                    answered = true
                } else {
                    try await Task.sleep(for: .milliseconds(100))
                }
            }
            #expect(answered)
        }
    }

    @Test("a body past the limit gets 413 and the connection ends; a small one is read past")
    func bodyLimit() async throws {
        try await Self.withServer(HTTPLimits(maximumBodyBytes: 1024)) { port in
            let small = try await TestHTTPClient.exchange(
                "GET /echo HTTP/1.1\r\nHost: t\r\nContent-Length: 10\r\nConnection: close\r\n\r\n0123456789", port: port)
            #expect(small.map(\.status) == [200])
            let large = try await TestHTTPClient.exchange(
                "GET /echo HTTP/1.1\r\nHost: t\r\nContent-Length: 100000\r\n\r\n" + String(repeating: "x", count: 2048), port: port)
            #expect(large.map(\.status) == [413])
            #expect(large.first?.headers["connection"] == "close")
        }
    }

    @Test("a request that is not HTTP gets 400 and the connection ends")
    func garbage() async throws {
        try await Self.withServer(HTTPLimits()) { port in
            let responses = try await TestHTTPClient.exchange("NOT HTTP AT ALL\r\n\r\n", port: port)
            #expect(responses.map(\.status) == [400])
        }
    }
}
