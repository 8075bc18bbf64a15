/// A core/v1 `Service`, the fields a service proxy reads, as the API server sends them.
public struct KubernetesService: KubernetesObject, Hashable {
    public static let collectionPath = "/api/v1/services"

    public var metadata: ObjectMeta
    public var spec: Spec?
    public var status: ServiceStatus?

    public init(metadata: ObjectMeta, spec: Spec? = nil, status: ServiceStatus? = nil) {
        self.metadata = metadata
        self.spec = spec
        self.status = status
    }

    /// `spec` (`ServiceSpec`).
    public struct Spec: Codable, Hashable, Sendable {
        /// `ClusterIP` (the API's default), `NodePort`, `LoadBalancer` or `ExternalName`.
        public var type: String?
        /// The primary cluster IP; `None` for a headless Service, absent for `ExternalName`.
        public var clusterIP: String?
        /// One cluster IP per family (dual-stack), the first equal to `clusterIP`.
        public var clusterIPs: [String]?
        /// `IPv4` and/or `IPv6`, in the order of `clusterIPs`.
        public var ipFamilies: [String]?
        public var ports: [Port]?
        public var externalIPs: [String]?
        /// Deprecated in the API; kept for reading, never used as a VIP (the status is).
        public var loadBalancerIP: String?
        public var loadBalancerSourceRanges: [String]?
        /// `None` (the default) or `ClientIP`.
        public var sessionAffinity: String?
        public var sessionAffinityConfig: SessionAffinityConfig?
        /// `Cluster` (the default) or `Local`.
        public var externalTrafficPolicy: String?
        /// `Cluster` (the default) or `Local`.
        public var internalTrafficPolicy: String?
        public var healthCheckNodePort: Int?
        /// `PreferClose`, `PreferSameZone` or `PreferSameNode`; reaches a proxy only as hints.
        public var trafficDistribution: String?
        public var externalName: String?

        public init(
            type: String? = nil, clusterIP: String? = nil, clusterIPs: [String]? = nil, ipFamilies: [String]? = nil,
            ports: [Port]? = nil, externalIPs: [String]? = nil, loadBalancerIP: String? = nil,
            loadBalancerSourceRanges: [String]? = nil, sessionAffinity: String? = nil,
            sessionAffinityConfig: SessionAffinityConfig? = nil, externalTrafficPolicy: String? = nil,
            internalTrafficPolicy: String? = nil, healthCheckNodePort: Int? = nil,
            trafficDistribution: String? = nil, externalName: String? = nil
        ) {
            self.type = type
            self.clusterIP = clusterIP
            self.clusterIPs = clusterIPs
            self.ipFamilies = ipFamilies
            self.ports = ports
            self.externalIPs = externalIPs
            self.loadBalancerIP = loadBalancerIP
            self.loadBalancerSourceRanges = loadBalancerSourceRanges
            self.sessionAffinity = sessionAffinity
            self.sessionAffinityConfig = sessionAffinityConfig
            self.externalTrafficPolicy = externalTrafficPolicy
            self.internalTrafficPolicy = internalTrafficPolicy
            self.healthCheckNodePort = healthCheckNodePort
            self.trafficDistribution = trafficDistribution
            self.externalName = externalName
        }
    }

    /// One of `spec.ports` (`ServicePort`).
    public struct Port: Codable, Hashable, Sendable {
        /// Required by the API when a Service has several ports; may be absent when it has one.
        public var name: String?
        /// `TCP` (the API's default), `UDP` or `SCTP`.
        public var `protocol`: String?
        public var port: Int?
        /// A number, or the name of a container port each endpoint resolves; defaults to `port`.
        public var targetPort: IntOrString?
        public var nodePort: Int?

        public init(
            name: String? = nil, protocol: String? = nil, port: Int? = nil, targetPort: IntOrString? = nil,
            nodePort: Int? = nil
        ) {
            self.name = name
            self.protocol = `protocol`
            self.port = port
            self.targetPort = targetPort
            self.nodePort = nodePort
        }
    }

    /// `spec.sessionAffinityConfig`.
    public struct SessionAffinityConfig: Codable, Hashable, Sendable {
        public var clientIP: ClientIPConfig?

        public init(clientIP: ClientIPConfig? = nil) {
            self.clientIP = clientIP
        }
    }

    /// `spec.sessionAffinityConfig.clientIP`.
    public struct ClientIPConfig: Codable, Hashable, Sendable {
        /// 1 to 86400; the API defaults it to 10800.
        public var timeoutSeconds: Int?

        public init(timeoutSeconds: Int? = nil) {
            self.timeoutSeconds = timeoutSeconds
        }
    }
}
