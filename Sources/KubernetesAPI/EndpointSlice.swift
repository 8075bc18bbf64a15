/// A discovery.k8s.io/v1 `EndpointSlice`: some of a Service's endpoints, and the ports they
/// serve. A Service's endpoints may be spread over several slices, with different port
/// numbers behind one named `targetPort`.
public struct EndpointSlice: KubernetesObject, Hashable {
    public static let collectionPath = "/apis/discovery.k8s.io/v1/endpointslices"

    public var metadata: ObjectMeta
    /// `IPv4`, `IPv6` or `FQDN` (which a proxy ignores). Required by the API.
    public var addressType: String?
    public var endpoints: [Endpoint]?
    public var ports: [Port]?

    public init(metadata: ObjectMeta, addressType: String? = nil, endpoints: [Endpoint]? = nil, ports: [Port]? = nil) {
        self.metadata = metadata
        self.addressType = addressType
        self.endpoints = endpoints
        self.ports = ports
    }

    /// One of `endpoints`.
    public struct Endpoint: Codable, Hashable, Sendable {
        /// At least one; they are fungible and proxies use the first only.
        public var addresses: [String]?
        public var conditions: Conditions?
        public var nodeName: String?
        public var zone: String?
        public var hints: Hints?

        public init(
            addresses: [String]? = nil, conditions: Conditions? = nil, nodeName: String? = nil,
            zone: String? = nil, hints: Hints? = nil
        ) {
            self.addresses = addresses
            self.conditions = conditions
            self.nodeName = nodeName
            self.zone = zone
            self.hints = hints
        }
    }

    /// `endpoints[].conditions`. Each is optional: absent `ready` and `serving` mean true,
    /// absent `terminating` false.
    public struct Conditions: Codable, Hashable, Sendable {
        public var ready: Bool?
        public var serving: Bool?
        public var terminating: Bool?

        public init(ready: Bool? = nil, serving: Bool? = nil, terminating: Bool? = nil) {
            self.ready = ready
            self.serving = serving
            self.terminating = terminating
        }
    }

    /// `endpoints[].hints`: the nodes and zones whose proxies should prefer the endpoint.
    public struct Hints: Codable, Hashable, Sendable {
        public var forNodes: [Named]?
        public var forZones: [Named]?

        public init(forNodes: [Named]? = nil, forZones: [Named]? = nil) {
            self.forNodes = forNodes
            self.forZones = forZones
        }
    }

    /// A `ForNode` or `ForZone`: `{"name": ...}`.
    public struct Named: Codable, Hashable, Sendable {
        public var name: String?

        public init(name: String? = nil) {
            self.name = name
        }
    }

    /// One of `ports` (`EndpointPort`). The API defaults `name` to `""` and `protocol` to
    /// `TCP`; `port` absent means "all ports", which proxies do not implement.
    public struct Port: Codable, Hashable, Sendable {
        public var name: String?
        public var `protocol`: String?
        public var port: Int?

        public init(name: String? = nil, protocol: String? = nil, port: Int? = nil) {
            self.name = name
            self.protocol = `protocol`
            self.port = port
        }
    }
}
