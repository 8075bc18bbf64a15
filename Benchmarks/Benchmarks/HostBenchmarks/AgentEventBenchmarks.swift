import Benchmark
import Foundation
import IPVSCore
@_spi(Benchmarks) import IPVSDaemon
import KubernetesMapping
import Logging
import Reconciler
import ReconcilerTestKit
import Synchronization

/// The agent's CPU from an EndpointSlice event to the kernel write: the source maps the edit,
/// the loop runs its scoped pass and writes to in-memory IPVS and netfilter tables. At 100 and
/// at 10,000 Services; the goal is the 10,000 figure at most 2x the 100 one. (The lab's
/// `Benchmarks/Kubernetes/source_bench.py` measures the same with the real kernel and the
/// API server's HTTP in between.)
func agentEventBenchmarks() {
    for size in AgentUnderEdits.Size.allCases {
        Benchmark(
            "Agent: one EndpointSlice edit to the kernel write, \(size.rawValue) Services",
            configuration: .init(timeUnits: .microseconds, maxIterations: 500)
        ) {
            benchmark in
            guard let agent = AgentUnderEdits.primed.withLock({ $0[size] }) else { preconditionFailure("primed in setup") }
            for _ in benchmark.scaledIterations {
                await agent.passAfterNextEdit()
            }
        } setup: {
            let agent = await AgentUnderEdits(size)
            AgentUnderEdits.primed.withLock { $0[size] = agent }
        } teardown: {
            AgentUnderEdits.primed.withLock { $0[size] = nil }
        }
    }
}

/// A node agent whose desired state is the synthetic cluster, started (one full pass into
/// empty tables), then edited one EndpointSlice at a time.
final class AgentUnderEdits: Sendable {
    enum Size: String, CaseIterable, Sendable {
        case hundred = "100"
        case tenThousand = "10,000"

        var services: Int { self == .hundred ? 100 : 10_000 }
    }

    static let primed = Mutex<[Size: AgentUnderEdits]>([:])

    let loop: ReconcileLoop
    let source: EditedClusterSource

    init(_ size: Size) async {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("ipvsctl-agent-bench-\(UUID())").path
        var logger = Logger(label: "agent-bench")
        logger.logLevel = .warning
        source = EditedClusterSource(SyntheticCluster(services: size.services, endpoints: 10))
        let table = InMemoryIPVSTable()
        let reconciler = Reconciler(
            table: table, addresses: nil, packetFilter: InMemoryPacketFilter(), ledgerStore: LedgerStore(directory: directory),
            logger: logger)
        loop = ReconcileLoop(
            configuration: .init(node: SyntheticCluster.node, resyncInterval: .seconds(3600)), source: source,
            reconciler: reconciler, table: table, health: nil, metrics: AgentMetrics(version: "bench"),
            status: AgentStatus(loopStallBound: .seconds(3600)), notifier: nil, healthPorts: nil, logger: logger)
        await loop.benchmarkPass([.start])
    }

    func passAfterNextEdit() async {
        source.editNextSlice()
        await loop.benchmarkPass([.kubernetes])
    }
}

/// The Kubernetes source without its reflectors: the synthetic cluster's objects, mapped into
/// generations as the real source maps them.
final class EditedClusterSource: DesiredStateSource {
    private struct State {
        var generations = KubernetesGenerations(node: SyntheticCluster.node)
        var snapshot: ClusterSnapshot
        var changed = ChangedObjects()
        var round = 0
    }

    private let state: Mutex<State>
    private let services: Int

    init(_ cluster: SyntheticCluster) {
        services = cluster.snapshot.services.count
        state = Mutex(State(snapshot: cluster.snapshot))
    }

    /// Moves the next Service's endpoint window by one, as an EndpointSlice watch event would.
    func editNextSlice() {
        state.withLock { state in
            state.round += 1
            let index = state.round % services
            let slice = SyntheticCluster.slice(index, first: state.round / services % 2 == 0 ? 1 : 0)
            state.snapshot.slices[slice.metadata.key] = slice
            state.changed.slices.insert(slice.metadata.key)
        }
    }

    func run(changed: @escaping @Sendable (DesiredStateChange) -> Void) async {}

    func current() -> SourceState? {
        state.withLock { state in
            defer { state.changed = ChangedObjects() }
            return state.generations.next(state.snapshot, changed: state.changed, base: DesiredState()).0
        }
    }

    func reload() async {}
}
