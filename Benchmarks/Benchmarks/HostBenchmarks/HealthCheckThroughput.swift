import Benchmark
import HealthChecking
import IPVSCore
import NIOCore
import NIOPosix

/// TCP health checks through the agent's own prober (`NetworkProber`: the deadline race, the
/// connect, the close) against listeners on loopback, as many in flight as the checker allows
/// by default. What is measured is the CPU the process spends per check, listeners included:
/// checks per second per core is the checks divided by the CPU seconds.
func healthCheckBenchmark() {
    Benchmark(
        "Health checks: \(HealthCheckLoad.checks) TCP probes to loopback, \(HealthCheckLoad.concurrency) in flight",
        configuration: .init(maxIterations: 10)
    ) { benchmark in
        let targets = LoopbackListeners.targets
        let prober = NetworkProber()
        for _ in benchmark.scaledIterations {
            let failures = await HealthCheckLoad.run(prober, targets: targets)
            // A failed probe (a refused or timed-out connect) would measure something else.
            precondition(failures == 0, "\(failures) probes of loopback listeners failed")
        }
    } setup: {
        _ = LoopbackListeners.targets
    }
}

enum HealthCheckLoad {
    static let checks = 10_000
    /// The checker's default bound (`HealthChecker.maximumConcurrentProbes`).
    static let concurrency = 64

    /// Probes the targets in turn, `concurrency` at a time; the number that failed.
    static func run(_ prober: NetworkProber, targets: [HealthTarget]) async -> Int {
        await withTaskGroup(of: Bool.self) { group in
            var launched = 0
            var failures = 0
            func launch() {
                let target = targets[launched % targets.count]
                group.addTask { await prober.probe(target).isSuccess }
                launched += 1
            }
            while launched < min(concurrency, checks) { launch() }
            while let succeeded = await group.next() {
                if !succeeded { failures += 1 }
                if launched < checks { launch() }
            }
            return failures
        }
    }
}

/// Listeners on 127.0.0.1 that accept every connection; the prober closes it first and the
/// listener follows (NIO closes a channel whose peer has closed). Several ports, so that the
/// client's ephemeral ports, held in TIME_WAIT after each close, are spread over several
/// destinations. Bound once per process, on ports the kernel picks.
enum LoopbackListeners {
    static let count = 8

    static let targets: [HealthTarget] = (0..<count).map { _ in
        do {
            let channel = try ServerBootstrap(group: MultiThreadedEventLoopGroup.singleton)
                .serverChannelOption(ChannelOptions.backlog, value: 4096)
                .serverChannelOption(ChannelOptions.socketOption(.so_reuseaddr), value: 1)
                .bind(host: "127.0.0.1", port: 0)
                .wait()
            guard let port = channel.localAddress?.port, let address = IPAddress("127.0.0.1") else {
                fatalError("a loopback listener has no port")
            }
            return HealthTarget(address: address, port: UInt16(port), check: HealthCheck(probe: .tcp, timeout: .seconds(2)))
        } catch {
            fatalError("cannot listen on loopback: \(error)")
        }
    }
}
