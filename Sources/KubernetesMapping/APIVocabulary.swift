import IPVSCore

/// `spec.type` of a Service.
enum ServiceKind: String {
    case clusterIP = "ClusterIP"
    case nodePort = "NodePort"
    case loadBalancer = "LoadBalancer"
    case externalName = "ExternalName"

    /// Reached on this node's own addresses at each port's `nodePort`.
    var servesNodePorts: Bool { self == .nodePort || self == .loadBalancer }
}

/// The API's name for a protocol (`TCP`, `UDP`, `SCTP`); absent is the API's default, TCP.
func transportProtocol(_ name: String?) -> TransportProtocol? {
    guard let name else { return .tcp }
    return TransportProtocol.allCases.first { $0.name == name }
}

/// `internalTrafficPolicy` or `externalTrafficPolicy`; absent is `Cluster`. Kubernetes has no
/// `PreferLocal`, so only the two it has are read.
func trafficPolicy(_ name: String?) -> TrafficPolicy? {
    switch name {
    case nil, TrafficPolicy.cluster.rawValue: .cluster
    case TrafficPolicy.local.rawValue: .local
    default: nil
    }
}

/// A port number within 1...65535.
func portNumber(_ value: Int) -> UInt16? {
    (1...65535).contains(value) ? UInt16(value) : nil
}

/// `addressType` of an EndpointSlice.
enum SliceAddressType: String {
    case ipv4 = "IPv4"
    case ipv6 = "IPv6"
    case fqdn = "FQDN"

    var family: AddressFamily? {
        switch self {
        case .ipv4: .inet
        case .ipv6: .inet6
        case .fqdn: nil
        }
    }
}

/// `type` of a Node's address: only these two are IP addresses a node port is served on.
enum NodeAddressType: String {
    case internalIP = "InternalIP"
    case externalIP = "ExternalIP"
}

/// `ipMode` of a load-balancer ingress. Absent means `VIP`.
enum IngressIPMode: String {
    case vip = "VIP"
    case proxy = "Proxy"
}

/// A CIDR as Kubernetes reads one: an address, `/` and a prefix length, host bits allowed and
/// cleared (`10.244.1.7/24` is `10.244.1.0/24`). A bare address is not a range to Kubernetes'
/// validation, so it is not one here either.
func cidr(_ text: String) -> IPPrefix? {
    guard text.contains("/") else { return nil }
    return IPPrefix(text)
}

/// Kubernetes' older annotations that a service proxy still honours.
enum LegacyAnnotation {
    /// The allowed clients of a `LoadBalancer`, comma-separated, read where
    /// `spec.loadBalancerSourceRanges` is empty (as the cloud providers' load balancers read it).
    static let loadBalancerSourceRanges = "service.beta.kubernetes.io/load-balancer-source-ranges"
}
