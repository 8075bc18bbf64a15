import Benchmark
import IPVSCore
import KubernetesAPI
import KubernetesMapping
import Synchronization

/// The Kubernetes source's share of an event: mapping every object afresh (what each event
/// cost before the mapping was kept up object by object) against mapping one edited
/// EndpointSlice's Service, at 10,000 Services with one slice of 10 endpoints each, shaped as
/// `Benchmarks/Kubernetes/source_bench.py` shapes them.
func kubernetesMappingBenchmarks() {
    Benchmark("Kubernetes: map 10,000 Services afresh", configuration: .init(maxIterations: 10)) { benchmark in
        let cluster = SyntheticCluster.full
        for _ in benchmark.scaledIterations {
            blackHole(KubernetesMapping.map(cluster.snapshot, nodeName: SyntheticCluster.node))
        }
    } setup: {
        _ = SyntheticCluster.full
    }

    // One slice edit, as the source maps it: the snapshot with one slice replaced, and its key.
    // The mapping is primed once per process, so that neither its first mapping nor freeing it
    // is measured.
    Benchmark("Kubernetes: map one EndpointSlice edit, 10,000 Services", configuration: .init(timeUnits: .microseconds, maxIterations: 500))
    { benchmark in
        for _ in benchmark.scaledIterations {
            blackHole(PrimedMapping.full.mapNextEdit())
        }
    } setup: {
        _ = PrimedMapping.full
    }
}

/// A mapping of the synthetic cluster kept across iterations, edited one slice at a time.
final class PrimedMapping: Sendable {
    static let full = PrimedMapping(SyntheticCluster.full)

    private struct State {
        var mapping = IncrementalMapping(nodeName: SyntheticCluster.node)
        var snapshot: ClusterSnapshot
        var round = 0
    }

    private let state: Mutex<State>

    init(_ cluster: SyntheticCluster) {
        var state = State(snapshot: cluster.snapshot)
        _ = state.mapping.map(state.snapshot, changed: ChangedObjects(), base: DesiredState())
        self.state = Mutex(state)
    }

    /// Moves the next Service's endpoint window by one and maps that change.
    func mapNextEdit() -> MappingResult {
        state.withLock { state in
            state.round += 1
            let slice = SyntheticCluster.slice(state.round % 10_000, first: state.round / 10_000 % 2 == 0 ? 1 : 0)
            state.snapshot.slices[slice.metadata.key] = slice
            return state.mapping.map(state.snapshot, changed: ChangedObjects(slices: [slice.metadata.key]), base: DesiredState())
        }
    }
}

/// Services and EndpointSlices as the API server would send them, built once per process.
struct SyntheticCluster: Sendable {
    static let node = "node-a"
    static let full = SyntheticCluster(services: 10_000, endpoints: 10)

    let snapshot: ClusterSnapshot

    init(services: Int, endpoints: Int) {
        snapshot = ClusterSnapshot(
            services: (0..<services).map(Self.service), slices: (0..<services).map { Self.slice($0, first: 0, count: endpoints) },
            node: KubernetesNode(
                metadata: ObjectMeta(name: Self.node), spec: nil,
                status: .init(addresses: [.init(type: "InternalIP", address: "192.0.2.1")])))
    }

    static func service(_ index: Int) -> KubernetesService {
        let vip = "198.18.\(index / 250).\(index % 250 + 1)"
        return KubernetesService(
            metadata: ObjectMeta(name: "svc-\(index)", namespace: "bench"),
            spec: KubernetesService.Spec(
                type: "ClusterIP", clusterIP: vip, clusterIPs: [vip],
                ports: [KubernetesService.Port(name: "http", protocol: "TCP", port: 80, targetPort: .int(8080), nodePort: nil)]),
            status: nil)
    }

    /// Service `index`'s slice, endpoints `first..<first + count` (an edit moves the window).
    static func slice(_ index: Int, first: Int, count: Int = 10) -> EndpointSlice {
        EndpointSlice(
            metadata: ObjectMeta(name: "svc-\(index)-x", namespace: "bench", labels: [WellKnownLabel.serviceName: "svc-\(index)"]),
            addressType: "IPv4",
            endpoints: (first..<first + count).map { endpoint in
                let n = index * 16 + endpoint + 1
                return EndpointSlice.Endpoint(
                    addresses: ["10.\(n >> 16 & 255).\(n >> 8 & 255).\(n & 255)"], conditions: nil, nodeName: node, zone: nil, hints: nil)
            },
            ports: [EndpointSlice.Port(name: "http", protocol: "TCP", port: 8080)])
    }
}
