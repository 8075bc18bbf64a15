import Benchmark
import Foundation
import HealthChecking
import IPVSCore

/// TCP health checks through the agent's own prober (`NetworkProber`: the connect, the close)
/// against listeners on loopback in another process, as many in flight as the checker allows
/// by default. What is measured is the CPU the prober's process spends per check: checks per
/// second per core is the checks divided by the CPU seconds.
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

/// Listeners on 127.0.0.1 that accept every connection and close it, in a process of their own
/// (`Benchmarks/HealthCheck/loopback_listeners.py`), so that the CPU time measured is the
/// prober's alone. Several ports, so that the client's ephemeral ports, held in TIME_WAIT after
/// each close, are spread over several destinations. Started once per process; the listeners
/// exit with it.
enum LoopbackListeners {
    static let count = 8

    static let targets: [HealthTarget] = {
        let script = URL(fileURLWithPath: #filePath)
            .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("HealthCheck/loopback_listeners.py")
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/python3")
        process.arguments = [script.path, "\(count)"]
        let output = Pipe()
        process.standardOutput = output
        do {
            try process.run()
        } catch {
            fatalError("cannot start the loopback listeners: \(error)")
        }
        // One line: the ports.
        var line = Data()
        while !line.contains(UInt8(ascii: "\n")) {
            guard let byte = try? output.fileHandleForReading.read(upToCount: 1), !byte.isEmpty else {
                fatalError("the loopback listeners said nothing")
            }
            line.append(byte)
        }
        let ports = String(decoding: line, as: UTF8.self).split(separator: " ").compactMap {
            UInt16($0.trimmingCharacters(in: .whitespacesAndNewlines))
        }
        guard ports.count == count, let address = IPAddress("127.0.0.1") else { fatalError("the loopback listeners gave no ports") }
        return ports.map { HealthTarget(address: address, port: $0, check: HealthCheck(probe: .tcp, timeout: .seconds(2))) }
    }()
}
