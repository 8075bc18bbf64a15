import HealthChecking
import IPVSCore
import NIOCore
import Testing

@Suite("UDP probe against loopback servers")
struct UDPProbeTests {
    let prober = NetworkProber()
    let ping = Array("ping".utf8)

    func probe(
        _ udp: HealthCheck.UDPProbe, timeout: Duration = .seconds(5), ipv6: Bool = false,
        reply: @escaping @Sendable ([UInt8]) -> [UInt8]?
    ) async throws -> ProbeResult {
        let server = try await TestServers.udp(host: ipv6 ? "::1" : "127.0.0.1", reply: reply)
        let result = await prober.probe(loopback(server.port, .udp(udp), timeout: timeout, ipv6: ipv6))
        try await server.close()
        return result
    }

    @Test("an echo server returns the expected bytes: success, over IPv4 and IPv6", arguments: [false, true])
    func echo(ipv6: Bool) async throws {
        let result = try await probe(.payload(send: ping, expect: ping), ipv6: ipv6) { $0 }
        #expect(result.isSuccess, "\(result)")
    }

    @Test("any reply will do when nothing is expected")
    func anyReply() async throws {
        let result = try await probe(.payload(send: ping, expect: nil)) { _ in [0x00] }
        #expect(result.isSuccess, "\(result)")
    }

    @Test("the expected bytes anywhere in the reply: success")
    func expectedWithin() async throws {
        let result = try await probe(.payload(send: ping, expect: Array("ok".utf8))) { _ in Array("status=ok;load=3".utf8) }
        #expect(result.isSuccess, "\(result)")
    }

    @Test("a reply without the expected bytes: unexpected reply")
    func unexpected() async throws {
        let result = try await probe(.payload(send: ping, expect: Array("pong".utf8))) { _ in Array("busy".utf8) }
        #expect(result.failure?.kind == .unexpectedReply, "\(result)")
    }

    @Test("a server that keeps quiet: timeout")
    func quiet() async throws {
        let result = try await probe(.payload(send: ping, expect: nil), timeout: .milliseconds(200)) { _ in nil }
        #expect(result.failure?.kind == .timeout, "\(result)")
    }

    @Test("no server: failure within the timeout (refused, from the ICMP port unreachable)")
    func noServer() async throws {
        let closed = try RefusingPort(.udp)
        let result = await prober.probe(loopback(closed.port, .udp(.payload(send: ping, expect: nil)), timeout: .seconds(1)))
        withExtendedLifetime(closed) {}
        #expect(result.failure?.kind == .connectionRefused || result.failure?.kind == .timeout, "\(result)")
    }
}
