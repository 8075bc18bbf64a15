import Config
import Foundation
import IPVSCore
import Logging
import Reconciler
import ReconcilerTestKit
import ServiceLifecycle
import ServiceLifecycleTestKit
import Synchronization
import Testing

@testable import IPVSDaemon

/// The loop against an in-memory table and a scripted health checker: no kernel, no sockets.
/// The kernel-lab tests run the same loop against the real thing.
struct ReconcileLoopTests {
    /// Verdicts set by the test.
    final class ScriptedHealth: HealthVerdictSource {
        let verdicts = Mutex(HealthView())
        let untaken = Mutex(VerdictChanges())
        let targets = Mutex(Set<HealthTarget>())
        let presumedHealthy = Mutex(Set<HealthTarget>())
        let stream = AsyncStream.makeStream(of: Void.self, bufferingPolicy: .bufferingNewest(1))

        func setTargets(_ targets: Set<HealthTarget>, presumedHealthy: Set<HealthTarget>) {
            self.targets.withLock { $0 = targets }
            self.presumedHealthy.withLock { $0 = presumedHealthy }
        }
        func view() -> HealthView { verdicts.withLock { $0 } }
        func takeVerdictChanges() -> VerdictChanges {
            untaken.withLock { untaken in
                defer { untaken = VerdictChanges() }
                return untaken
            }
        }
        var changes: AsyncStream<Void> { stream.stream }
        func isStalled() -> Bool { false }

        func set(_ verdict: HealthVerdict, for target: HealthTarget) {
            verdicts.withLock { $0.verdicts[target] = verdict }
            untaken.withLock { $0.record(target, at: .now) }
            stream.continuation.yield()
        }
    }

    /// Records what the loop tells systemd.
    final class RecordingNotifier: ReadinessNotifier {
        let events = Mutex([ReadinessEvent]())
        func notify(_ event: ReadinessEvent) { events.withLock { $0.append(event) } }
        var watchdogInterval: Duration? { nil }
    }

    static let config = """
        services:
          - name: default/web
            clusterIPs: [198.51.100.10]
            ports: [{port: 80, targetPort: 8080}]
            healthCheck: {type: tcp}
            endpoints:
              - {address: 192.0.2.1, node: node-a}
              - {address: 192.0.2.2, node: node-a}
        """

    static let key = VirtualServiceKey.address(IPAddress("198.51.100.10")!, port: 80, protocol: .tcp)

    /// A fresh directory holding `config` as config.yaml, and the state it loads to.
    static func configInFreshDirectory() throws -> (directory: String, path: String, state: DesiredState) {
        let directory = NSTemporaryDirectory() + "ipvsctl-loop-\(UInt32.random(in: 0...UInt32.max))"
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        let path = directory + "/config.yaml"
        try config.write(toFile: path, atomically: true, encoding: .utf8)
        return (directory, path, try ConfigLoader.load(contentsOf: path))
    }

    static func until(_ what: Comment, _ condition: () -> Bool) async throws {
        for _ in 0..<200 {
            if condition() { return }
            try await Task.sleep(for: .milliseconds(25))
        }
        Issue.record("timed out waiting until \(what)")
    }

    static func realServers(_ table: InMemoryIPVSTable) -> [UInt8] {
        table.snapshot.first { $0.virtualService.service.key == key }?.realServers.map { $0.server.address.bytes[3] }.sorted() ?? []
    }

    @Test("reconciles at start after first successes, follows verdicts, keeps the last good config, says READY/RELOADING/STOPPING")
    func loop() async throws {
        let (directory, path, _) = try Self.configInFreshDirectory()

        let table = InMemoryIPVSTable()
        let health = ScriptedHealth()
        let notifier = RecordingNotifier()
        let metrics = AgentMetrics(version: "test")
        let logger = Logger(label: "test")
        let source = ConfigFileSource(
            session: try ConfigSession(loading: path), watchInterval: .milliseconds(50), metrics: metrics, logger: logger)
        let loop = ReconcileLoop(
            configuration: .init(node: "node-a", resyncInterval: .seconds(60)),
            source: source,
            reconciler: Reconciler(table: table, addresses: nil, ledgerStore: LedgerStore(directory: directory + "/state"), logger: logger),
            table: table, health: health, metrics: metrics, status: AgentStatus(loopStallBound: .seconds(60)),
            notifier: notifier, healthPorts: nil, logger: logger)

        try await testGracefulShutdown { shutdown in
            try await withThrowingTaskGroup { group in
                group.addTask { try await loop.run() }
                try await Self.until("the health checker has its targets") { health.targets.withLock { $0 }.count == 2 }
                let targets = health.targets.withLock { $0 }.sorted()
                // Unknown endpoints do not enter the kernel; the first success lets them in.
                try await Self.until("the virtual service exists") { table.snapshot.count == 1 }
                #expect(Self.realServers(table) == [])
                health.set(.healthy, for: targets[0])
                health.set(.healthy, for: targets[1])
                try await Self.until("both real servers are in") { Self.realServers(table) == [1, 2] }

                health.set(.unhealthy, for: targets[1])
                try await Self.until("the failed one is out") { Self.realServers(table) == [1] }

                // A broken config on reload: nothing changes, the failure is counted.
                try "services: [{name: 7}]\n".write(toFile: path, atomically: true, encoding: .utf8)
                try await Self.until("the reload failure is counted") {
                    MetricSample.parse(String(decoding: metrics.render(), as: UTF8.self))
                        .contains { $0.name == "ipvsctl_config_reloads_total" && $0.labels["result"] == "failure" && $0.value == 1 }
                }
                #expect(Self.realServers(table) == [1])
                // Someone deletes our real server behind our back: the next pass puts it back.
                let commandsBefore = table.commandCount
                _ = try table.apply([.deleteRealServer(RealServerKey(address: IPAddress("192.0.2.1")!, port: 8080), service: Self.key)])
                loop.trigger(.resync)
                try await Self.until("the drift is repaired") { Self.realServers(table) == [1] && table.commandCount > commandsBefore + 1 }

                shutdown.triggerGracefulShutdown()
                try await group.waitForAll()
            }
        }
        let events = notifier.events.withLock { $0 }
        #expect(events.first == .ready(status: "reconciled"))
        #expect(events.contains(.reloading))
        #expect(events.last == .stopping)
        #expect(Self.realServers(table) == [1], "shutdown leaves the table as it is")
        let samples = MetricSample.parse(String(decoding: metrics.render(), as: UTF8.self))
        #expect(samples.contains { $0.name == "ipvsctl_reconcile_drift_repaired_total" && $0.value >= 1 })
    }

    @Test("at start, an endpoint already serving in the kernel (a restart) is presumed healthy; a new one is not")
    func restartPresumesServingEndpointsHealthy() async throws {
        let (directory, path, _) = try Self.configInFreshDirectory()
        let table = InMemoryIPVSTable()
        _ = try table.apply([
            .newService(VirtualService(key: Self.key)),
            .newRealServer(RealServer(address: IPAddress("192.0.2.1")!, port: 8080), service: Self.key),
        ])
        let health = ScriptedHealth()
        let logger = Logger(label: "test")
        let metrics = AgentMetrics(version: "test")
        let loop = ReconcileLoop(
            configuration: .init(node: "node-a"),
            source: ConfigFileSource(session: try ConfigSession(loading: path), metrics: metrics, logger: logger),
            reconciler: Reconciler(table: table, addresses: nil, ledgerStore: LedgerStore(directory: directory + "/state"), logger: logger),
            table: table, health: health, metrics: metrics, status: AgentStatus(loopStallBound: .seconds(60)),
            notifier: nil, healthPorts: nil, logger: logger)
        await loop.pass([.start])
        #expect(health.targets.withLock { $0 }.map(\.address.description).sorted() == ["192.0.2.1", "192.0.2.2"])
        #expect(health.presumedHealthy.withLock { $0 }.map(\.address.description) == ["192.0.2.1"])
    }
}
