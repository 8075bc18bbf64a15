import KubernetesAPI

/// What the API server holds at one moment, as this node's watches see it: the input of
/// ``KubernetesMapping/map(_:nodeName:defaults:base:)``.
public struct ClusterSnapshot: Sendable {
    /// Keyed by `ObjectMeta.key` (`namespace/name`).
    public var services: [String: KubernetesService]
    /// Keyed by `ObjectMeta.key` (`namespace/name`).
    public var slices: [String: EndpointSlice]
    /// This node's Node object; nil before it is known (no node ports, no zone).
    public var node: KubernetesNode?

    public init(services: [String: KubernetesService] = [:], slices: [String: EndpointSlice] = [:], node: KubernetesNode? = nil) {
        self.services = services
        self.slices = slices
        self.node = node
    }

    /// A snapshot keyed the way a store keys objects.
    public init(services: [KubernetesService], slices: [EndpointSlice], node: KubernetesNode? = nil) {
        self.init(
            services: Dictionary(services.map { ($0.metadata.key, $0) }, uniquingKeysWith: { $1 }),
            slices: Dictionary(slices.map { ($0.metadata.key, $0) }, uniquingKeysWith: { $1 }),
            node: node)
    }
}
