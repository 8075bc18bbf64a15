import IPVSCore
import KubernetesAPI

/// What the mapping made of a snapshot.
public struct MappingResult: Hashable, Sendable {
    /// The base state with the cluster's services, this node's addresses and its zone added.
    public var state: DesiredState
    /// Objects, or parts of objects, that were left out, each with why. Sorted.
    public var skipped: [SkippedObject]
    /// Annotations of ours that could not be used; their Service took the default instead.
    public var annotationProblems: [AnnotationProblem]

    public init(state: DesiredState, skipped: [SkippedObject] = [], annotationProblems: [AnnotationProblem] = []) {
        self.state = state
        self.skipped = skipped
        self.annotationProblems = annotationProblems
    }
}

/// An object, or part of one, that the mapping left out.
public struct SkippedObject: Hashable, Sendable, Comparable, CustomStringConvertible {
    public enum Kind: String, Hashable, Sendable, Comparable {
        case service = "Service"
        case endpointSlice = "EndpointSlice"
        case node = "Node"

        public static func < (lhs: Kind, rhs: Kind) -> Bool { lhs.rawValue < rhs.rawValue }
    }

    public var kind: Kind
    /// `namespace/name` (a Node's name).
    public var key: String
    /// The part left out, as a field path (`spec.ports[1]`, `endpoints[3]`); nil: the whole object.
    public var field: String?
    public var reason: SkipReason

    public init(kind: Kind, key: String, field: String? = nil, reason: SkipReason) {
        self.kind = kind
        self.key = key
        self.field = field
        self.reason = reason
    }

    public var description: String {
        "\(kind.rawValue) \(key)\(field.map { " \($0)" } ?? ""): \(reason)"
    }

    public static func < (lhs: SkippedObject, rhs: SkippedObject) -> Bool {
        (lhs.kind, lhs.key, lhs.field ?? "") < (rhs.kind, rhs.key, rhs.field ?? "")
    }
}

/// Why something was left out. The first cases are by design (kube-proxy leaves them out too);
/// the others are malformed values, which a validating API server should never send.
public enum SkipReason: Hashable, Sendable, CustomStringConvertible {
    /// A Service with `clusterIP: None`: clients reach its endpoints directly.
    case headless
    /// A Service without a cluster IP.
    case noClusterIP
    /// `type: ExternalName`: a DNS alias, nothing to balance.
    case externalName
    /// An EndpointSlice of `addressType: FQDN`.
    case fqdnAddresses
    /// A load-balancer ingress with `ipMode: Proxy`: the load balancer rewrites the destination.
    case proxyModeIngress(String)

    /// An EndpointSlice without the `kubernetes.io/service-name` label: no Service to join.
    case missingServiceNameLabel
    /// A value the field does not allow, such as an unknown Service `type` or traffic policy.
    case unknownValue(String)
    case unknownProtocol(String)
    case unknownAddressType(String)
    case badAddress(String)
    /// An address of the other family than its EndpointSlice's `addressType`.
    case addressFamilyMismatch(String)
    case missingAddress
    case outOfRange(Int, ClosedRange<Int>)
    case missingPort
    /// A Service without `spec`.
    case missingSpec
    /// A pod range that is not a CIDR.
    case badCIDR(String)
    /// A load-balancer source range that is not a CIDR: the Service's load-balancer IPs are left
    /// out, rather than served with an allow-list that lacks it (fail closed).
    case badSourceRange(String)

    /// By design rather than a malformed value: worth a debug line, not a warning.
    public var isProblem: Bool {
        switch self {
        case .headless, .noClusterIP, .externalName, .fqdnAddresses, .proxyModeIngress: false
        default: true
        }
    }

    public var description: String {
        switch self {
        case .headless: "headless (clusterIP None): not proxied"
        case .noClusterIP: "no cluster IP: not proxied"
        case .externalName: "type ExternalName: not proxied"
        case .fqdnAddresses: "addressType FQDN: not proxied"
        case .proxyModeIngress(let ip):
            "load-balancer ingress \(ip) has ipMode Proxy: the load balancer delivers to the node, not to the VIP"
        case .missingServiceNameLabel: "no \(WellKnownLabel.serviceName) label: belongs to no Service"
        case .unknownValue(let value): "unknown value '\(value)'"
        case .unknownProtocol(let value): "unknown protocol '\(value)' (TCP, UDP or SCTP)"
        case .unknownAddressType(let value): "unknown addressType '\(value)'"
        case .badAddress(let value): "'\(value)' is not an IP address"
        case .addressFamilyMismatch(let value): "\(value) is not of the slice's addressType"
        case .missingAddress: "no address"
        case .outOfRange(let value, let range): "\(value) is out of range \(range.lowerBound)...\(range.upperBound)"
        case .missingPort: "no port number"
        case .missingSpec: "no spec"
        case .badCIDR(let value): "'\(value)' is not a CIDR range"
        case .badSourceRange(let value):
            "'\(value)' is not a CIDR range: the load-balancer IPs are not served rather than served to clients the Service may not allow"
        }
    }
}

/// An annotation of ours on a Service that could not be used.
public struct AnnotationProblem: Hashable, Sendable, Comparable, CustomStringConvertible {
    /// The Service, `namespace/name`.
    public var service: String
    /// The annotation's full key, `ipvsctl-swift.io/...`.
    public var annotation: String
    public var value: String
    /// Why, and what the Service uses instead.
    public var reason: String

    public init(service: String, annotation: String, value: String, reason: String) {
        self.service = service
        self.annotation = annotation
        self.value = value
        self.reason = reason
    }

    public var description: String { "Service \(service): \(annotation)=\(value): \(reason)" }

    public static func < (lhs: AnnotationProblem, rhs: AnnotationProblem) -> Bool {
        (lhs.service, lhs.annotation) < (rhs.service, rhs.annotation)
    }
}
