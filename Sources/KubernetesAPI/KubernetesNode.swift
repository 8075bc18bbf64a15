/// A core/v1 `Node`: its labels (the zone, in `metadata`), pod ranges and addresses.
public struct KubernetesNode: KubernetesObject, Hashable {
    public static let collectionPath = "/api/v1/nodes"

    public var metadata: ObjectMeta
    public var spec: Spec?
    public var status: NodeStatus?

    public init(metadata: ObjectMeta, spec: Spec? = nil, status: NodeStatus? = nil) {
        self.metadata = metadata
        self.spec = spec
        self.status = status
    }

    /// `spec` (`NodeSpec`).
    public struct Spec: Codable, Hashable, Sendable {
        /// The node's pod ranges, one per family (dual-stack), the first equal to `podCIDR`.
        public var podCIDRs: [String]?
        /// The primary pod range; objects from before dual-stack have it alone.
        public var podCIDR: String?

        public init(podCIDRs: [String]? = nil, podCIDR: String? = nil) {
            self.podCIDRs = podCIDRs
            self.podCIDR = podCIDR
        }
    }

    /// `status` (`NodeStatus`).
    public struct NodeStatus: Codable, Hashable, Sendable {
        public var addresses: [Address]?

        public init(addresses: [Address]? = nil) {
            self.addresses = addresses
        }
    }

    /// One of `status.addresses` (`NodeAddress`).
    public struct Address: Codable, Hashable, Sendable {
        /// `InternalIP`, `ExternalIP`, `Hostname`, `InternalDNS` or `ExternalDNS`.
        public var type: String?
        public var address: String?

        public init(type: String? = nil, address: String? = nil) {
            self.type = type
            self.address = address
        }
    }
}
