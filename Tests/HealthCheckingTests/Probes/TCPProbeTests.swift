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
        let closed = try RefusingPort(.tcp)
        let result = await prober.probe(loopback(closed.port, .tcp))
        withExtendedLifetime(closed) {}
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

    @Test("many probes, 64 in flight as the checker runs them, to an open and a closed port in turn: each gets its own answer")
    func manyAtOnce() async throws {
        let server = try await TestServers.silentTCP()
        let closed = try RefusingPort(.tcp)
        let prober = prober
        // Sockets are closed and their numbers reused while other connects are in flight. As
        // many in flight as the checker allows, so that the listener's accept queue (256) never
        // overflows: the kernel would drop a SYN, and its retransmissions outlast a short timeout.
        // A long one is no loophole: a connect the loop lost would still end as a timeout.
        let wrong = await withTaskGroup(of: String?.self) { group in
            var launched = 0
            func launch() {
                let open = launched.isMultiple(of: 2)
                let target = loopback(open ? server.port : closed.port, .tcp, timeout: .seconds(30))
                group.addTask {
                    let result = await prober.probe(target)
                    let right = open ? result.isSuccess : result.failure?.kind == .connectionRefused
                    return right ? nil : "\(open ? "open" : "closed"): \(result)"
                }
                launched += 1
            }
            while launched < 64 { launch() }
            var wrong: [String] = []
            while let answer = await group.next() {
                if let answer { wrong.append(answer) }
                if launched < 1_000 { launch() }
            }
            return wrong
        }
        try await server.close()
        withExtendedLifetime(closed) {}
        #expect(wrong.isEmpty, "\(wrong)")
    }
}
