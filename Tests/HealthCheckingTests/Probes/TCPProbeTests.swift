import HealthChecking
import IPVSCore
import NIOCore
import Testing

@Suite("TCP probe against loopback listeners")
struct TCPProbeTests {
    let prober = NetworkProber()

    @Test("a listener answers: success, over IPv4 and IPv6", arguments: [false, true])
    func listening(ipv6: Bool) async throws {
        let server = try await TestServers.silentTCP(host: ipv6 ? "::1" : "127.0.0.1")
        let result = await prober.probe(loopback(server.port, .tcp, ipv6: ipv6))
        try await server.close()
        #expect(result.isSuccess, "\(result)")
    }

    @Test("a closed port: failure, connection refused")
    func closed() async throws {
        let port = try await TestServers.closedPort()
        let result = await prober.probe(loopback(port, .tcp))
        #expect(result.failure?.kind == .connectionRefused, "\(result)")
    }
}
