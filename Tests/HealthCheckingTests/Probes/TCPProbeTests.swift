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

    @Test("a listener whose accept queue is full never answers the handshake: timeout")
    func unanswered() async throws {
        let (listener, held) = try await TestServers.unansweringTCP()
        let result = await prober.probe(loopback(listener.port, .tcp, timeout: .milliseconds(300)))
        for channel in held + [listener] { try await channel.close() }
        #expect(result.failure?.kind == .timeout, "\(result)")
    }

    @Test("a probe whose task is cancelled ends at once, long before its timeout")
    func cancelled() async throws {
        let (listener, held) = try await TestServers.unansweringTCP()
        let prober = prober
        let probe = Task { await prober.probe(loopback(listener.port, .tcp, timeout: .seconds(60))) }
        try await Task.sleep(for: .milliseconds(100))
        probe.cancel()
        let result = await probe.value
        for channel in held + [listener] { try await channel.close() }
        // Had the cancellation been missed, the probe would have ended with its timeout.
        #expect(result.failure?.kind == .error, "\(result)")
        #expect(result.failure?.message == "cancelled", "\(result)")
    }

    @Test("many probes at once, to an open and a closed port in turn: each gets its own answer")
    func manyAtOnce() async throws {
        let server = try await TestServers.silentTCP()
        let closed = try await TestServers.closedPort()
        let prober = prober
        // Sockets are closed and their numbers reused while other connects are in flight.
        let mismatches = await withTaskGroup(of: Bool.self) { group in
            for index in 0..<1_000 {
                let open = index.isMultiple(of: 2)
                let target = loopback(open ? server.port : closed, .tcp)
                group.addTask {
                    let result = await prober.probe(target)
                    return open ? result.isSuccess : result.failure?.kind == .connectionRefused
                }
            }
            return await group.reduce(0) { $0 + ($1 ? 0 : 1) }
        }
        try await server.close()
        #expect(mismatches == 0)
    }
}
