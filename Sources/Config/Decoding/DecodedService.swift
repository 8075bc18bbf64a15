import IPVSCore

/// A decoded value with the node it came from, so that a rule checked later (duplicates,
/// families) can still point at the line and column where the value is written.
struct Located<Value> {
    var value: Value
    var node: ConfigNode
}

/// A service as decoded, before the rules that relate its fields to one another and to other
/// services. Keeps the nodes those rules point at, and which parts failed to decode so that a
/// rule never reports a consequence of a problem already reported.
struct DecodedService {
    /// Parts that may fail to decode, each silencing the rules that depend on it. An option
    /// set, not a `Set`: every service asks, and a set literal is an allocation.
    struct Parts: OptionSet {
        let rawValue: UInt8
        static let addresses = Parts(rawValue: 1 << 0)
        static let firewallMark = Parts(rawValue: 1 << 1)
        static let ports = Parts(rawValue: 1 << 2)
        static let scheduler = Parts(rawValue: 1 << 3)
        static let forwarding = Parts(rawValue: 1 << 4)
        static let policies = Parts(rawValue: 1 << 5)
    }

    /// The service's mapping: problems about the service as a whole point here.
    let node: ConfigNode
    var name: Located<String>?
    var clusterIPs: [Located<IPAddress>] = []
    var externalIPs: [Located<IPAddress>] = []
    var loadBalancerIPs: [Located<IPAddress>] = []
    /// The valid ranges, and the list where they are written (nil when the key is not).
    var loadBalancerSourceRanges: Located<[Located<IPPrefix>]>?
    var firewallMark: DecodedFirewallMark?
    var ports: [DecodedPort] = []
    var scheduler: Scheduler = .roundRobin
    var flags: [Located<SchedulerFlag>] = []
    var forwarding: ForwardingKind = .masquerade
    var tunnel: Located<Tunnel>?
    var sessionAffinity: SessionAffinity?
    var prefixLength: Located<UInt8>?
    var internalTrafficPolicy: TrafficPolicy = .cluster
    var externalTrafficPolicy: TrafficPolicy = .cluster
    var trafficDistribution: TrafficDistribution?
    var endpoints: [DecodedEndpoint] = []
    var drainSeconds: UInt32?
    var healthCheckNodePort: Located<UInt16>?
    /// The service's check with its defaults (each endpoint carries its own effective one).
    var healthCheck: HealthCheck?
    /// Whether `healthCheck` is written at all, valid or not.
    var healthCheckGiven = false
    var panicThreshold: Located<Double>?
    var incomplete: Parts = []

    init(node: ConfigNode) {
        self.node = node
    }

    /// Every virtual IP, internal then external, in the order written.
    var virtualIPs: [Located<IPAddress>] {
        // Nearly every service has cluster IPs alone: no new array for them.
        externalIPs.isEmpty && loadBalancerIPs.isEmpty ? clusterIPs : clusterIPs + externalIPs + loadBalancerIPs
    }

    /// Every endpoint's address, read in place: mapping the endpoints to their addresses copied
    /// each whole (retaining what it holds) to pass it to the closure.
    var endpointAddresses: [IPAddress] {
        endpoints.withUnsafeBufferPointer { endpoints in endpoints.indices.map { endpoints[$0].spec.address } }
    }

    /// The model value. Only meaningful when no problem was reported: parts that failed to
    /// decode hold their defaults.
    var spec: ServiceSpec {
        ServiceSpec(
            name: name?.value ?? "",
            clusterIPs: clusterIPs.map(\.value),
            externalIPs: externalIPs.map(\.value),
            loadBalancerIPs: loadBalancerIPs.map(\.value),
            loadBalancerSourceRanges: loadBalancerSourceRanges?.value.map(\.value) ?? [],
            firewallMark: firewallMark?.spec,
            ports: ports.map(\.spec),
            scheduler: scheduler,
            schedulerFlags: flags.reduce(into: ServiceFlags()) { $0.formUnion($1.value.bits) },
            forwarding: forwarding.method(tunnel: tunnel?.value),
            sessionAffinity: sessionAffinity,
            internalTrafficPolicy: internalTrafficPolicy,
            externalTrafficPolicy: externalTrafficPolicy,
            endpoints: endpoints.map(\.spec),
            drainSeconds: drainSeconds,
            healthCheckNodePort: healthCheckNodePort?.value,
            healthCheck: healthCheck,
            panicThreshold: panicThreshold?.value,
            trafficDistribution: trafficDistribution)
    }
}

/// How messages about other services name a service: by name, or by place when it has none.
/// Made into text only when a message needs it: every claim of every service keeps one.
struct ServiceLabel: CustomStringConvertible {
    private enum Name {
        case given(String)
        case none(FieldPath)
    }

    private let name: Name

    init(_ service: DecodedService) {
        name = service.name.map { .given($0.value) } ?? .none(service.node.path)
    }

    var description: String {
        switch name {
        case .given(let name): "service '\(name)'"
        case .none(let path): path.description
        }
    }
}

struct DecodedFirewallMark {
    var spec: FirewallMarkSpec
    var markNode: ConfigNode
    /// Nil when `targetPort` is not written.
    var targetPortNode: ConfigNode?
    /// Written but refused (reported): `spec` then holds 0, which must not be taken as meant.
    var targetPortRefused = false
}

struct DecodedPort {
    /// The port's mapping.
    var node: ConfigNode
    var name: Located<String>?
    var port: Located<UInt16>
    /// Nil when `targetPort` is not written (it is then `port`).
    var targetPort: Located<UInt16>?
    var `protocol`: TransportProtocol
    var nodePort: Located<UInt16>?

    var spec: ServicePort {
        ServicePort(
            name: name?.value, port: port.value, targetPort: targetPort?.value,
            protocol: `protocol`, nodePort: nodePort?.value)
    }
}

/// An endpoint as decoded: its model value, and its fields for the rules that point at one.
///
/// The fields are looked up again when a rule needs one, rather than each kept as a located
/// value: a service's endpoints are held until its rules have run, and three nodes and a second
/// copy of the address per endpoint made each twice the size, copied and reference-counted
/// 100,000 times in a 10,000-service load.
struct DecodedEndpoint {
    var fields: ConfigMapping<EndpointDecoder.Key>
    var spec: EndpointSpec

    /// The endpoint's mapping.
    var node: ConfigNode { fields.owner }
    /// Where the address is written (an endpoint without one is not decoded).
    var addressNode: ConfigNode { fields[.address] ?? node }
    /// Nil when `node` is not written or not a valid name.
    var nodeName: Located<String>? {
        guard let name = spec.node, let nameNode = fields[.node] else { return nil }
        return Located(value: name, node: nameNode)
    }
    /// Whether `node` is written at all: a wrong one is reported once, not also as missing.
    var nodeGiven: Bool { fields[.node] != nil }
    /// Whether the endpoint writes its own `healthCheck`, valid or not.
    var healthCheckGiven: Bool { fields[.healthCheck] != nil }
}

/// `forwarding:` as written; a tunnel's encapsulation comes from the separate `tunnel:` key.
enum ForwardingKind: Hashable {
    case masquerade, directRoute, tunnel

    static let words: [(word: String, value: ForwardingKind)] = [
        ("masquerade", .masquerade), ("direct-route", .directRoute), ("tunnel", .tunnel),
    ]

    func method(tunnel: Tunnel?) -> ForwardingMethod {
        switch self {
        case .masquerade: .masquerade
        case .directRoute: .directRoute
        case .tunnel: .tunnel(tunnel ?? .ipip)
        }
    }

    /// Direct routing and tunnelling deliver the packet unchanged, so an endpoint's port cannot
    /// differ from the service's.
    var translatesPorts: Bool { self == .masquerade }
}

extension SchedulerFlag {
    static let words = allCases.map { (word: $0.rawValue, value: $0) }
}
