import Config
import Foundation
import IPVSCore
import IPVSNetlink
import IPVSWire
import Logging
import Reconciler
import ReconcilerTestKit
import Synchronization
import Testing

@testable import IPVSDaemon

/// Passes after health verdicts alone plan only the services those verdicts touch, against the
/// table as the last pass left it: no kernel read, the same kernel table a full pass would make,
/// and a full pass again whenever the baseline cannot be trusted.
struct ScopedPassTests {
    /// The in-memory table, counting full reads and able to refuse the next command.
    final class CountingTable: IPVSTable {
        let inner = InMemoryIPVSTable()
        let reads = Mutex(0)
        let refuseNext = Mutex(false)

        func table() throws(IPVSError) -> [ObservedTableEntry] {
            reads.withLock { $0 += 1 }
            return try inner.table()
        }
        func timeouts() throws(IPVSError) -> Timeouts { try inner.timeouts() }
        func apply(_ requests: [IPVSRequest]) throws(IPVSError) -> BatchResult {
            guard
                refuseNext.withLock({ refuse in
                    defer { refuse = false }; return refuse
                }), let first = requests.first
            else {
                return try inner.apply(requests)
            }
            var result = try inner.apply(Array(requests.dropFirst()))
            result.failures = result.failures.map { BatchResult.Failure(index: $0.index + 1, request: $0.request, error: $0.error) }
            result.failures.insert(.init(index: 0, request: first, error: IPVSError(.commandFailed, "errno 12", errno: 12)), at: 0)
            return result
        }
        var readCount: Int { reads.withLock { $0 } }
    }

    /// Three services; two health-checked with endpoints of their own, one without a check.
    static let config = """
        services:
          - name: default/web
            clusterIPs: [198.51.100.10]
            externalIPs: [192.0.2.80]
            ports: [{port: 80, targetPort: 8080}]
            healthCheck: {type: tcp}
            endpoints:
              - {address: 192.0.2.1, node: node-a}
              - {address: 192.0.2.2, node: node-a}
          - name: default/api
            clusterIPs: [198.51.100.11]
            ports: [{port: 443, targetPort: 8443}]
            internalTrafficPolicy: Local
            healthCheck: {type: tcp}
            endpoints:
              - {address: 192.0.2.3, node: node-a}
          - name: default/static
            clusterIPs: [198.51.100.12]
            ports: [{port: 80}]
            endpoints:
              - {address: 192.0.2.4}
        """

    struct Fixture {
        let table = CountingTable()
        let health = ReconcileLoopTests.ScriptedHealth()
        let metrics = AgentMetrics(version: "test")
        let loop: ReconcileLoop
        let reconciler: Reconciler
        let state: DesiredState
        let directory: String

        init() throws {
            directory = NSTemporaryDirectory() + "ipvsctl-scoped-\(UInt32.random(in: 0...UInt32.max))"
            try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
            let path = directory + "/config.yaml"
            try ScopedPassTests.config.write(toFile: path, atomically: true, encoding: .utf8)
            state = try ConfigLoader.load(contentsOf: path)
            let logger = Logger(label: "test")
            reconciler = Reconciler(table: table, addresses: nil, ledgerStore: LedgerStore(directory: directory + "/state"), logger: logger)
            loop = ReconcileLoop(
                configuration: .init(node: "node-a", resyncInterval: .seconds(600)),
                source: ConfigFileSource(session: try ConfigSession(loading: path), metrics: metrics, logger: logger),
                reconciler: reconciler, table: table, health: health, metrics: metrics,
                status: AgentStatus(loopStallBound: .seconds(60)), notifier: nil, healthPorts: nil, logger: logger)
        }

        /// The start-up pass, then every checked endpoint healthy and the pass after it (a full
        /// one: the first verdicts start masquerading).
        func startWithEveryTargetHealthy() async throws {
            await loop.pass([.start])
            for address: UInt8 in [1, 2, 3] { health.set(.healthy, for: try target(address)) }
            await loop.pass([.health])
        }

        func target(_ last: UInt8) throws -> HealthTarget {
            try #require(health.targets.withLock { $0 }.first { $0.address == IPAddress("192.0.2.\(last)") })
        }

        /// The real servers of each virtual service, by the last byte of their address.
        var realServers: [String: [UInt8]] {
            Dictionary(
                uniqueKeysWithValues: table.inner.snapshot.map {
                    ("\($0.virtualService.service.key)", $0.realServers.map { $0.server.address.bytes[3] }.sorted())
                })
        }

        /// What a full plan against a fresh read would still change: nothing, if the scoped
        /// passes left the table as the desired state makes it.
        func remainingChanges() throws -> [Change] {
            let options = Reconciler.Options(node: "node-a", now: ReconcileLoop.unixTime())
            return try reconciler.plan(state, options: options, health: health.view()).plan.changes
        }

        func sample(_ name: String, _ labels: [String: String] = [:]) -> Double? {
            MetricSample.parse(String(decoding: metrics.render(), as: UTF8.self))
                .first { sample in sample.name == name && labels.allSatisfy { sample.labels[$0.key] == $0.value } }?.value
        }
    }

    @Test("a verdict is planned for its service only, without reading the kernel, and leaves the table a full pass would")
    func verdictsArePlannedWithoutARead() async throws {
        let fixture = try Fixture()
        try await fixture.startWithEveryTargetHealthy()
        #expect(fixture.realServers["TCP 198.51.100.10:80"] == [1, 2])
        #expect(fixture.realServers["TCP 198.51.100.11:443"] == [3])
        let readsAfterStart = fixture.table.readCount

        fixture.health.set(.unhealthy, for: try fixture.target(2))
        let commands = fixture.table.inner.commandCount
        await fixture.loop.pass([.health])
        #expect(fixture.table.readCount == readsAfterStart, "a scoped pass reads nothing from the kernel")
        // web's two virtual services lose 192.0.2.2: two commands, nothing else.
        #expect(fixture.table.inner.commandCount == commands + 2)
        #expect(fixture.realServers["TCP 198.51.100.10:80"] == [1])
        #expect(fixture.realServers["TCP 192.0.2.80:80"] == [1])
        #expect(fixture.realServers["TCP 198.51.100.11:443"] == [3])
        #expect(try fixture.remainingChanges().isEmpty)
        // The first verdicts made masquerading start (a kernel setting follows it): a full pass.
        #expect(fixture.sample("ipvsctl_scoped_reconciles_total") == 1)
        #expect(fixture.sample("ipvsctl_service_endpoints", ["service": "default/web", "state": "unhealthy"]) == 1)
        #expect(fixture.sample("ipvsctl_health_verdict_to_kernel_seconds_count") == 2)

        // api is Local with one endpoint: its verdict blackholes it, and the counts follow.
        let readsBefore = fixture.table.readCount
        fixture.health.set(.unhealthy, for: try fixture.target(3))
        await fixture.loop.pass([.health])
        #expect(fixture.table.readCount == readsBefore)
        #expect(fixture.realServers["TCP 198.51.100.11:443"] == [])
        #expect(fixture.sample("ipvsctl_service_blackholed", ["service": "default/api", "traffic_policy": "internal"]) == 1)
        #expect(fixture.sample("ipvsctl_blackholed_services", ["traffic_policy": "internal"]) == 1)
        #expect(fixture.sample("ipvsctl_virtual_services", ["traffic_policy": "internal", "outcome": "blackholed"]) == 1)
        #expect(fixture.sample("ipvsctl_virtual_services", ["traffic_policy": "internal", "outcome": "served"]) == 2)
        #expect(try fixture.remainingChanges().isEmpty)

        // Back again: the full pass that a resync runs finds nothing left to do.
        fixture.health.set(.healthy, for: try fixture.target(2))
        fixture.health.set(.healthy, for: try fixture.target(3))
        await fixture.loop.pass([.health])
        #expect(fixture.realServers["TCP 198.51.100.10:80"] == [1, 2])
        #expect(fixture.realServers["TCP 198.51.100.11:443"] == [3])
        #expect(fixture.sample("ipvsctl_blackholed_services", ["traffic_policy": "internal"]) == 0)
        let settled = fixture.table.inner.commandCount
        let readsBeforeResync = fixture.table.readCount
        await fixture.loop.pass([.resync])
        #expect(fixture.table.readCount > readsBeforeResync)
        #expect(fixture.table.inner.commandCount == settled, "the scoped passes left nothing for a full one")
    }

    @Test("drift is repaired by the next full pass, not hidden by the mirror; a refused command makes the next pass a full one")
    func baselineIsDroppedWhenItCannotBeTrusted() async throws {
        let fixture = try Fixture()
        try await fixture.startWithEveryTargetHealthy()

        // Someone deletes an owned real server of the static service; a verdict on web comes
        // next, planned against the mirror, which still has it; the resync then repairs it.
        let staticKey = VirtualServiceKey.address(IPAddress("198.51.100.12")!, port: 80, protocol: .tcp)
        _ = try fixture.table.inner.apply([.deleteRealServer(RealServerKey(address: IPAddress("192.0.2.4")!, port: 80), service: staticKey)]
        )
        fixture.health.set(.unhealthy, for: try fixture.target(1))
        await fixture.loop.pass([.health])
        #expect(fixture.realServers["TCP 198.51.100.12:80"] == [])
        // What the loop now takes as applied is what a full pass would select, kernel settings
        // included: a repair after it counts as drift.
        let applied = try #require(fixture.loop.memory.withLock { $0.lastAppliedDesired })
        let options = Reconciler.Options(node: "node-a", now: ReconcileLoop.unixTime())
        #expect(applied == (try fixture.reconciler.plan(fixture.state, options: options, health: fixture.health.view())).desired)
        await fixture.loop.pass([.resync])
        #expect(fixture.realServers["TCP 198.51.100.12:80"] == [4])
        #expect(fixture.sample("ipvsctl_reconcile_drift_repaired_total") == 1, "the desired state stood still: a repair is drift")

        // The kernel refuses the next command: that pass fails, and the one after reads.
        fixture.table.refuseNext.withLock { $0 = true }
        fixture.health.set(.healthy, for: try fixture.target(1))
        await fixture.loop.pass([.health])
        #expect(fixture.sample("ipvsctl_reconcile_errors_total", ["kind": "command"]) == 1)
        let reads = fixture.table.readCount
        fixture.health.set(.unhealthy, for: try fixture.target(3))
        await fixture.loop.pass([.health])
        #expect(fixture.table.readCount > reads, "after a refusal the pass reads the kernel again")
        #expect(try fixture.remainingChanges().isEmpty)
    }

    /// Writes `config` as the fixture's file, has the source read it, and returns its state.
    static func edit(_ fixture: Fixture, to config: String) async throws -> DesiredState {
        let path = fixture.directory + "/config.yaml"
        try config.write(toFile: path, atomically: true, encoding: .utf8)
        await fixture.loop.source.reload()
        return try ConfigLoader.load(contentsOf: path)
    }

    @Test("a config edit is planned for the services it edits only, without reading the kernel, and leaves the table a full pass would")
    func editsArePlannedWithoutARead() async throws {
        let fixture = try Fixture()
        try await fixture.startWithEveryTargetHealthy()
        let reads = fixture.table.readCount
        let commands = fixture.table.inner.commandCount

        // web's first endpoint weighs 3 now; static gains an endpoint and a scheduler; api is
        // untouched.
        let edited = Self.config
            .replacingOccurrences(of: "{address: 192.0.2.1, node: node-a}", with: "{address: 192.0.2.1, node: node-a, weight: 3}")
            .replacingOccurrences(
                of: "ports: [{port: 80}]\n    endpoints:\n      - {address: 192.0.2.4}",
                with: "ports: [{port: 80}]\n    scheduler: wlc\n    endpoints:\n      - {address: 192.0.2.4}\n      - {address: 192.0.2.5}")
        let state = try await Self.edit(fixture, to: edited)
        await fixture.loop.pass([.config])
        #expect(fixture.table.readCount == reads, "an edit in scope reads nothing from the kernel")
        // Two weight edits (web's two virtual services), static's scheduler and a new real server.
        #expect(fixture.table.inner.commandCount == commands + 4)
        #expect(fixture.realServers["TCP 198.51.100.12:80"] == [4, 5])
        let staticService = fixture.table.inner.snapshot.first { "\($0.virtualService.service.key)" == "TCP 198.51.100.12:80" }
        #expect(staticService?.virtualService.service.scheduler == .weightedLeastConnection)
        let weights = fixture.table.inner.snapshot.flatMap(\.realServers).filter { $0.server.address == IPAddress("192.0.2.1") }.map(
            \.server.weight)
        #expect(weights == [3, 3])
        #expect(fixture.sample("ipvsctl_scoped_reconciles_total") == 1, "the first verdicts started masquerading: a full pass")
        #expect(fixture.sample("ipvsctl_desired_change_to_kernel_seconds_count") == 1)
        let options = Reconciler.Options(node: "node-a", now: ReconcileLoop.unixTime())
        #expect(try fixture.reconciler.plan(state, options: options, health: fixture.health.view()).plan.changes.isEmpty)
        // What the loop takes as applied is what a full pass would select: a resync finds nothing.
        let applied = try #require(fixture.loop.memory.withLock { $0.lastAppliedDesired })
        #expect(applied == (try fixture.reconciler.plan(state, options: options, health: fixture.health.view())).desired)

        // A verdict after the edit is planned against the edited state's baseline (the plans
        // above read the table themselves).
        let readsBeforeVerdict = fixture.table.readCount
        fixture.health.set(.unhealthy, for: try fixture.target(1))
        await fixture.loop.pass([.health])
        #expect(fixture.table.readCount == readsBeforeVerdict)
        #expect(fixture.realServers["TCP 198.51.100.10:80"] == [2])
        #expect(try fixture.reconciler.plan(state, options: options, health: fixture.health.view()).plan.changes.isEmpty)
    }

    @Test("removing an endpoint that a drain could keep reads the kernel: busy or idle is its connection count now")
    func drainableRemovalRunsAFullPass() async throws {
        let fixture = try Fixture()
        let draining = Self.config.replacingOccurrences(
            of: "ports: [{port: 80}]\n    endpoints:\n      - {address: 192.0.2.4}",
            with: "ports: [{port: 80}]\n    drainSeconds: 60\n    endpoints:\n      - {address: 192.0.2.4}\n      - {address: 192.0.2.5}")
        _ = try await Self.edit(fixture, to: draining)
        try await fixture.startWithEveryTargetHealthy()
        #expect(fixture.realServers["TCP 198.51.100.12:80"] == [4, 5])
        let reads = fixture.table.readCount
        _ = try await Self.edit(fixture, to: draining.replacingOccurrences(of: "\n      - {address: 192.0.2.5}", with: ""))
        await fixture.loop.pass([.config])
        #expect(fixture.table.readCount > reads, "the mirror's connection counts are as old as the last full read")
        #expect(fixture.realServers["TCP 198.51.100.12:80"] == [4], "idle in the kernel: deleted at once")
    }

    @Test("a desired state that adds a service, or changes more than services, is planned by a full pass")
    func structuralChangesRunAFullPass() async throws {
        let fixture = try Fixture()
        try await fixture.startWithEveryTargetHealthy()

        var reads = fixture.table.readCount
        let added =
            Self.config + """

                  - name: default/new
                    clusterIPs: [198.51.100.13]
                    ports: [{port: 80}]
                    endpoints:
                      - {address: 192.0.2.7}
                """
        var state = try await Self.edit(fixture, to: added)
        await fixture.loop.pass([.config])
        #expect(fixture.table.readCount > reads, "a new service is a full pass's work")
        #expect(fixture.realServers["TCP 198.51.100.13:80"] == [7])

        // A port edit changes which virtual services exist: scoped planning gives way too.
        reads = fixture.table.readCount
        state = try await Self.edit(
            fixture,
            to: added.replacingOccurrences(
                of: "ports: [{port: 80}]\n    endpoints:\n      - {address: 192.0.2.7}",
                with: "ports: [{port: 81}]\n    endpoints:\n      - {address: 192.0.2.7}"))
        await fixture.loop.pass([.config])
        #expect(fixture.table.readCount > reads)
        #expect(fixture.realServers["TCP 198.51.100.13:81"] == [7])
        #expect(fixture.realServers["TCP 198.51.100.13:80"] == nil)
        let options = Reconciler.Options(node: "node-a", now: ReconcileLoop.unixTime())
        #expect(try fixture.reconciler.plan(state, options: options, health: fixture.health.view()).plan.changes.isEmpty)

        // Planned against the baseline directly, a new state with a service fewer gives way.
        var fewer = state
        fewer.services.removeLast()
        let current = try #require(fixture.loop.source.current())
        #expect(
            fixture.loop.reconcileScoped(
                SourceState(state: fewer, generation: current.generation + 1, changedSince: nil), trigger: .config,
                changes: VerdictChanges()) == nil)
    }

    @Test("a source's edit hint names the services to compare; from another generation, or naming one out of place, it is not used")
    func editHintsStandInForAFullComparison() async throws {
        let fixture = try Fixture()
        try await fixture.startWithEveryTargetHealthy()
        let baseline = try #require(fixture.loop.memory.withLock { $0.baseline })
        var edited = baseline.state
        edited.services[2].scheduler = .weightedLeastConnection
        let hint = ServiceEdit(from: baseline.generation, services: ["default/static"])
        #expect(baseline.editedServices(in: edited) == [2])
        #expect(
            baseline.editedServices(in: SourceState(state: edited, generation: baseline.generation + 1, changedSince: nil, edit: hint)) == [
                2
            ])

        // The hint is taken at its word: a service it does not name is not compared.
        var unnamed = edited
        unnamed.services[0].scheduler = .leastConnection
        #expect(
            baseline.editedServices(in: SourceState(state: unnamed, generation: baseline.generation + 1, changedSince: nil, edit: hint))
                == [2])
        // From another generation than the baseline's, every service is compared.
        let stale = ServiceEdit(from: baseline.generation + 7, services: ["default/static"])
        #expect(
            baseline.editedServices(in: SourceState(state: unnamed, generation: baseline.generation + 8, changedSince: nil, edit: stale))
                == [0, 2])
        // A named service that is not where the baseline has it: a full pass decides.
        var reordered = edited
        reordered.services.swapAt(0, 2)
        #expect(
            baseline.editedServices(in: SourceState(state: reordered, generation: baseline.generation + 1, changedSince: nil, edit: hint))
                == nil)
    }
}
