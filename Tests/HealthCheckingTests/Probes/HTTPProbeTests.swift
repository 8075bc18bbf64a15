import HealthChecking
import IPVSCore
import NIOCore
import Testing

@Suite("HTTP(S) probe against loopback servers")
struct HTTPProbeTests {
    let prober = NetworkProber()

    static func response(_ status: String, body: String) -> String {
        "HTTP/1.1 \(status)\r\nContent-Length: \(body.utf8.count)\r\nContent-Type: text/plain\r\nConnection: close\r\n\r\n\(body)"
    }

    func probe(
        _ response: String?, _ http: HealthCheck.HTTPProbe, timeout: Duration = .seconds(5), ipv6: Bool = false
    ) async throws -> (ProbeResult, [String]) {
        let (server, log) = try await TestServers.http(response: response, host: ipv6 ? "::1" : "127.0.0.1")
        let result = await prober.probe(loopback(server.port, .http(http), timeout: timeout, ipv6: ipv6))
        try await server.close()
        return (result, log.all)
    }

    @Test("200 with the expected body text: success, over IPv4 and IPv6", arguments: [false, true])
    func healthy(ipv6: Bool) async throws {
        let (result, _) = try await probe(
            Self.response("200 OK", body: "status: ok\n"), .init(path: "/healthz", bodyContains: "ok"), ipv6: ipv6)
        #expect(result.isSuccess, "\(result)")
    }

    @Test("503: unexpected status")
    func unavailable() async throws {
        let (result, _) = try await probe(Self.response("503 Service Unavailable", body: "ok"), .init(bodyContains: "ok"))
        #expect(result.failure?.kind == .unexpectedStatus, "\(result)")
        #expect(result.failure?.message.contains("503") == true)
    }

    @Test("a status outside a custom range fails, one inside passes")
    func customRange() async throws {
        let (redirect, _) = try await probe(Self.response("302 Found", body: ""), .init(expectedStatus: 200...299))
        #expect(redirect.failure?.kind == .unexpectedStatus)
        let (teapot, _) = try await probe(Self.response("418 I'm a teapot", body: ""), .init(expectedStatus: 400...499))
        #expect(teapot.isSuccess, "\(teapot)")
    }

    @Test("200 without the expected text: body mismatch")
    func bodyMismatch() async throws {
        let (result, _) = try await probe(Self.response("200 OK", body: "status: degraded\n"), .init(bodyContains: "status: ok"))
        #expect(result.failure?.kind == .bodyMismatch, "\(result)")
    }

    @Test("the request: GET of the path, Host is the address and port, Connection: close")
    func requestHead() async throws {
        let (_, requests) = try await probe(Self.response("200 OK", body: ""), .init(path: "/ready"))
        let lines = try #require(requests.first).split(separator: "\r\n").map(String.init)
        #expect(lines.first == "GET /ready HTTP/1.1")
        #expect(lines.contains { $0.hasPrefix("Host: 127.0.0.1:") })
        #expect(lines.contains("Connection: close"))
    }

    @Test("the Host header is the check's host when it names one; an IPv6 address is bracketed")
    func hostHeader() async throws {
        let (_, named) = try await probe(Self.response("200 OK", body: ""), .init(host: "web.example.test"))
        #expect(named.first?.contains("\r\nHost: web.example.test\r\n") == true)
        let (_, v6) = try await probe(Self.response("200 OK", body: ""), .init(), ipv6: true)
        #expect(v6.first?.contains("\r\nHost: [::1]:") == true)
    }

    @Test("a server that never answers: timeout")
    func silent() async throws {
        let (result, _) = try await probe(nil, .init(), timeout: .milliseconds(200))
        #expect(result.failure?.kind == .timeout, "\(result)")
    }

    @Test("a closed port: connection refused")
    func closed() async throws {
        let closed = try RefusingPort(.tcp)
        let result = await prober.probe(loopback(closed.port, .http(.init())))
        withExtendedLifetime(closed) {}
        #expect(result.failure?.kind == .connectionRefused, "\(result)")
    }

    @Test("HTTPS to a server with a self-signed certificate: success, nothing verified")
    func https() async throws {
        let (server, log) = try await TestServers.http(response: Self.response("200 OK", body: "ok"), tls: TestServers.tlsServerContext())
        let result = await prober.probe(loopback(server.port, .http(.init(secure: true, host: "web.example.test", bodyContains: "ok"))))
        try await server.close()
        #expect(result.isSuccess, "\(result)")
        #expect(log.all.first?.contains("\r\nHost: web.example.test\r\n") == true)
    }

    // MARK: Verification

    /// Probes a server with the certificate ``TestCA`` signed, with `verification`.
    func verifyingProbe(_ verification: HealthCheck.TLSVerification?, host: String? = nil) async throws -> ProbeResult {
        let (server, _) = try await TestServers.http(
            response: Self.response("200 OK", body: "ok"),
            tls: TestServers.tlsServerContext(signedByTestCA: true))
        let result = await prober.probe(loopback(server.port, .http(.init(secure: true, verification: verification, host: host))))
        try await server.close()
        return result
    }

    static let testCA = HealthCheck.TLSVerification.TrustRoots.bundle(file: "/test-ca.pem", pem: Array(TestCA.certificatePEM.utf8))
    static let wrongCA = HealthCheck.TLSVerification.TrustRoots.bundle(
        file: "/other-ca.pem", pem: Array(TestCertificate.certificatePEM.utf8))

    @Test("without verification, a certificate no one trusts passes")
    func unverifiedCertificate() async throws {
        let result = try await verifyingProbe(nil, host: "not-the-certificate-name.test")
        #expect(result.isSuccess, "\(result)")
    }

    @Test("verifying with the CA that signed the certificate, with and without the name: success")
    func rightCA() async throws {
        let named = try await verifyingProbe(.init(trustRoots: Self.testCA, serverName: TestCA.serverName))
        #expect(named.isSuccess, "\(named)")
        let chainOnly = try await verifyingProbe(.init(trustRoots: Self.testCA))
        #expect(chainOnly.isSuccess, "\(chainOnly)")
    }

    @Test("verifying with another CA: certificate rejected")
    func wrongCA() async throws {
        let result = try await verifyingProbe(.init(trustRoots: Self.wrongCA, serverName: TestCA.serverName))
        #expect(result.failure?.kind == .certificateRejected, "\(result)")
        #expect(result.failure?.message.hasPrefix("certificate verify failed") == true, "\(result)")
    }

    @Test("verifying against the system store: a test CA is not in it, certificate rejected")
    func systemStore() async throws {
        let result = try await verifyingProbe(.init(trustRoots: .system, serverName: TestCA.serverName))
        #expect(result.failure?.kind == .certificateRejected, "\(result)")
    }

    @Test("verifying a name the certificate does not carry: certificate rejected, naming it")
    func wrongName() async throws {
        let result = try await verifyingProbe(.init(trustRoots: Self.testCA, serverName: "api.health-check-test.invalid"))
        #expect(result.failure?.kind == .certificateRejected, "\(result)")
        #expect(result.failure?.message == "certificate verify failed: it does not name api.health-check-test.invalid", "\(result)")
    }

    @Test("a CA bundle the TLS library cannot parse fails every probe that uses it, as an error")
    func unparsableBundle() async throws {
        let broken = HealthCheck.TLSVerification.TrustRoots.bundle(
            file: "/broken.pem", pem: Array("-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n".utf8))
        let result = try await verifyingProbe(.init(trustRoots: broken))
        #expect(result.failure?.kind == .error, "\(result)")
        #expect(result.failure?.message == "the CA bundle /broken.pem cannot be parsed", "\(result)")
    }

    @Test("the host's name is sent as SNI when nothing is verified (a port in host is left out)")
    func hostName() {
        #expect(HealthCheck.HTTPProbe(host: "web.example.test:8443").hostName == "web.example.test")
        #expect(HealthCheck.HTTPProbe(host: "web.example.test").hostName == "web.example.test")
        #expect(HealthCheck.HTTPProbe(host: "192.0.2.1:8443").hostName == nil)
        #expect(HealthCheck.HTTPProbe(host: "[2001:db8::1]:8443").hostName == nil)
        #expect(HealthCheck.HTTPProbe(host: "2001:db8::1").hostName == nil)
        #expect(HealthCheck.HTTPProbe().hostName == nil)
    }

    @Test("HTTPS to a server that does not speak TLS: failure")
    func httpsToPlainServer() async throws {
        let (server, _) = try await TestServers.http(response: Self.response("200 OK", body: "ok"), atOnce: true)
        let result = await prober.probe(loopback(server.port, .http(.init(secure: true))))
        try await server.close()
        #expect(result.failure?.kind == .error, "\(result)")
    }
}
