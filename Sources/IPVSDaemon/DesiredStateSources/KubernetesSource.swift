import IPVSCore
import KubernetesAPI
import KubernetesClient
import KubernetesMapping
import Logging
import Synchronization

/// The Kubernetes API as the source of desired state: Services, EndpointSlices and this node's
/// Node, each kept by a reflector (list, then watch; relist on 410), mapped with kube-proxy's
/// semantics onto the config file's settings (interface, kernel, defaults), if there is a file.
///
/// Until every collection has been listed once, there is no desired state and the agent is not
/// ready; afterwards an unreachable API server only means the copy stops changing: the kernel
/// keeps the last applied state (and the planner's guards refuse a suspiciously empty one).
public final class KubernetesSource: DesiredStateSource {
    public struct Configuration: Sendable {
        /// This node's name: its Node object, and which endpoints are local.
        public var node: String
        /// With a name, only the Services labelled for that proxy, which kube-proxy leaves
        /// alone; without, every Service kube-proxy would serve.
        public var serviceProxyName: String?

        public init(node: String, serviceProxyName: String? = nil) {
            self.node = node
            self.serviceProxyName = serviceProxyName
        }

        /// kube-proxy's own selector, or the one for an alternative proxy; headless Services
        /// have no virtual IP either way. EndpointSlices carry their Service's labels, so one
        /// selector serves both collections.
        public var labelSelector: String {
            let headless = "!\(WellKnownLabel.headless)"
            guard let serviceProxyName else { return "!\(WellKnownLabel.serviceProxyName),\(headless)" }
            return "\(WellKnownLabel.serviceProxyName)=\(serviceProxyName),\(headless)"
        }
    }

    struct Memory {
        var services = ObjectStore<KubernetesService>()
        var slices = ObjectStore<EndpointSlice>()
        var nodes = ObjectStore<KubernetesNode>()
        var listed: Set<KubernetesResource> = []
        /// Something changed since the last mapping.
        var dirty = true
        /// The Services and slices that changed since the last mapping: only those (and the
        /// Services their slices join) are mapped again.
        var changed = ChangedObjects()
        var baseGeneration: UInt64 = 0
        var changedSince: ContinuousClock.Instant?
        /// What was reported last, so that a problem is logged when it appears, not every pass.
        var reported: Set<String> = []
    }

    let configuration: Configuration
    let client: KubernetesHTTPClient
    /// The config file, for what Kubernetes has no field for; nil: built-in defaults.
    let base: ConfigFileSource?
    let baseWithoutFile: DesiredState
    let metrics: KubernetesMetrics
    let logger: Logger
    private let memory = Mutex(Memory())
    /// Held across a mapping, taken before `memory` (never the other way round): the mapping
    /// must see the changes in the order the stores took them.
    private let generations: Mutex<KubernetesGenerations>

    public init(
        configuration: Configuration, client: KubernetesHTTPClient, base: ConfigFileSource?,
        metrics: KubernetesMetrics, logger: Logger
    ) {
        self.configuration = configuration
        self.client = client
        self.base = base
        self.baseWithoutFile = DesiredState()
        self.metrics = metrics
        self.logger = logger
        generations = Mutex(KubernetesGenerations(node: configuration.node))
    }

    public func run(changed: @escaping @Sendable (DesiredStateChange) -> Void) async {
        let selector = ObjectSelector(labelSelector: configuration.labelSelector)
        let nodeSelector = ObjectSelector(fieldSelector: "metadata.name=\(configuration.node)")
        await withDiscardingTaskGroup { group in
            group.addTask {
                await self.follow(
                    .services,
                    Reflector(
                        KubernetesService.self, client: self.client, selector: selector,
                        observer: self.metrics.observer(.services), logger: self.logger),
                    store: \.services, changes: \ChangedObjects.services, changed: changed)
            }
            group.addTask {
                await self.follow(
                    .endpointSlices,
                    Reflector(
                        EndpointSlice.self, client: self.client, selector: selector,
                        observer: self.metrics.observer(.endpointSlices), logger: self.logger),
                    store: \.slices, changes: \ChangedObjects.slices, changed: changed)
            }
            group.addTask {
                await self.follow(
                    .nodes,
                    Reflector(
                        KubernetesNode.self, client: self.client, selector: nodeSelector,
                        observer: self.metrics.observer(.nodes), logger: self.logger),
                    store: \.nodes, changes: nil, changed: changed)
            }
            if let base {
                group.addTask {
                    await base.run { change in
                        self.memory.withLock { $0.dirty = true }
                        changed(change)
                    }
                }
            }
        }
        try? await client.shutdown()
    }

    /// Applies one reflector's updates to its store, in order, noting the keys they changed in
    /// `changes` (the node, one object, is read again on every mapping), and says so.
    private func follow<Object: KubernetesObject & Equatable>(
        _ resource: KubernetesResource, _ reflector: Reflector<Object>,
        store: WritableKeyPath<Memory, ObjectStore<Object>> & Sendable,
        changes: (WritableKeyPath<ChangedObjects, Set<String>> & Sendable)?,
        changed: @escaping @Sendable (DesiredStateChange) -> Void
    ) async {
        let (updates, sink) = AsyncStream.makeStream(of: ReflectorUpdate<Object>.self)
        await withDiscardingTaskGroup { group in
            group.addTask { await reflector.run(sink: sink) }
            for await update in updates {
                let arrived = ContinuousClock.now
                let (count, firstSync, allListed) = memory.withLock { memory in
                    let keys = memory[keyPath: store].apply(update)
                    if let changes { memory.changed[keyPath: changes].formUnion(keys) }
                    memory.dirty = true
                    memory.changedSince = memory.changedSince ?? arrived
                    var first = false
                    if case .replaced = update { first = memory.listed.insert(resource).inserted }
                    return (memory[keyPath: store].objects.count, first, memory.listed.count == KubernetesResource.allCases.count)
                }
                metrics.objects(resource).set(Double(count))
                if firstSync {
                    logger.notice("Kubernetes collection listed", metadata: ["resource": "\(resource.rawValue)", "objects": "\(count)"])
                    if allListed {
                        metrics.synced.set(to: 1)
                        logger.notice("Kubernetes source in sync")
                    }
                }
                changed(.kubernetes)
            }
        }
    }

    public func current() -> SourceState? {
        let base = self.base?.lastGood
        return generations.withLock { generations in
            let neverMapped = generations.last == nil
            let taken = memory.withLock { memory -> Taken? in
                guard memory.listed.count == KubernetesResource.allCases.count else { return nil }
                defer { memory.changedSince = nil }
                let baseMoved = base.map { $0.generation != memory.baseGeneration } ?? false
                guard memory.dirty || baseMoved || neverMapped else { return Taken(changedSince: memory.changedSince) }
                defer { memory.changed = ChangedObjects() }
                memory.dirty = false
                memory.baseGeneration = base?.generation ?? 0
                return Taken(
                    snapshot: ClusterSnapshot(
                        services: memory.services.objects, slices: memory.slices.objects,
                        node: memory.nodes.objects.values.first),
                    changed: memory.changed, changedSince: memory.changedSince)
            }
            guard let taken else { return nil }
            guard let snapshot = taken.snapshot else {
                return generations.last.map { SourceState(state: $0.state, generation: $0.generation, changedSince: taken.changedSince) }
            }
            var (next, result) = generations.next(snapshot, changed: taken.changed, base: base?.state ?? baseWithoutFile)
            report(result)
            next.changedSince = taken.changedSince
            return next
        }
    }

    /// What a mapping takes from the stores: the objects and what changed among them, or
    /// nothing new since the last mapping.
    private struct Taken {
        var snapshot: ClusterSnapshot?
        var changed = ChangedObjects()
        var changedSince: ContinuousClock.Instant?
    }

    /// kube-proxy's reading of the objects, over the file's settings.
    static func map(_ snapshot: ClusterSnapshot, node: String, base: DesiredState) -> MappingResult {
        KubernetesMapping.map(snapshot, nodeName: node, base: base)
    }

    /// One consistent list of each collection, mapped: what `diff` and `apply` plan against, so
    /// that an operator sees what the agent would do before it takes a node over.
    public static func listOnce(
        _ configuration: Configuration, client: KubernetesHTTPClient, base: DesiredState
    ) async throws -> MappingResult {
        let selector = ObjectSelector(labelSelector: configuration.labelSelector)
        async let services = client.listAll(KubernetesService.self, selector: selector)
        async let slices = client.listAll(EndpointSlice.self, selector: selector)
        async let nodes = client.listAll(
            KubernetesNode.self, selector: ObjectSelector(fieldSelector: "metadata.name=\(configuration.node)"))
        let snapshot = ClusterSnapshot(
            services: try await services.items, slices: try await slices.items, node: try await nodes.items.first)
        return map(snapshot, node: configuration.node, base: base)
    }

    public func reload() async {
        await base?.reload()
        memory.withLock { $0.dirty = true }
    }

    /// Logs each skipped object and annotation problem once, when it appears.
    private func report(_ result: MappingResult) {
        let problems = result.skipped.filter(\.reason.isProblem).map(\.description) + result.annotationProblems.map(\.description)
        let fresh = memory.withLock { memory -> [String] in
            let now = Set(problems)
            defer { memory.reported = now }
            return problems.filter { !memory.reported.contains($0) }
        }
        for problem in fresh {
            logger.warning("Kubernetes object not used as it is", metadata: ["problem": "\(problem)"])
        }
        metrics.skippedObjects.set(Double(result.skipped.count { $0.reason.isProblem }))
        metrics.annotationProblems.set(Double(result.annotationProblems.count))
    }
}
