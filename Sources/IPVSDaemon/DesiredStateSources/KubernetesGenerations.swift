import IPVSCore
import KubernetesMapping

/// The Kubernetes objects mapped into generations of desired state: the mapping kept object by
/// object, the last state handed out, and what a new one edits. No locks and no I/O: the source
/// holds it under its lock, and the agent benchmark drives it directly.
public struct KubernetesGenerations: Sendable {
    private var mapping: IncrementalMapping
    /// The last state mapped, without a change time.
    public private(set) var last: SourceState?

    public init(node: String) {
        mapping = IncrementalMapping(nodeName: node)
    }

    /// Maps the objects `changed` names (every one the first time, or when `base` moved) into
    /// the next generation.
    public mutating func next(_ snapshot: ClusterSnapshot, changed: ChangedObjects, base: DesiredState) -> (SourceState, MappingResult) {
        let result = mapping.map(snapshot, changed: changed, base: base)
        let (generation, edit) = Self.generation(of: result.state, after: last, edited: mapping.lastEdited)
        let state = SourceState(state: result.state, generation: generation, changedSince: nil, edit: edit)
        last = state
        return (state, result)
    }

    /// A new state's generation, and what it edits when only some services' specs changed. A
    /// state equal to the previous one (a relist that changed nothing) keeps its generation:
    /// the health checker is not disturbed.
    static func generation(of state: DesiredState, after previous: SourceState?, edited: Set<String>?) -> (UInt64, ServiceEdit?) {
        guard let previous else { return (1, nil) }
        if let edited, previous.state.equalsIgnoringServices(state) {
            // The mapping compared the Services it mapped again: no need to compare them all.
            if edited.isEmpty { return (previous.generation, previous.edit) }
            return (previous.generation + 1, ServiceEdit(from: previous.generation, services: edited))
        }
        return (previous.state == state ? previous.generation : previous.generation + 1, nil)
    }
}
