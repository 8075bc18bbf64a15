/// Which endpoints a virtual service may send to (Kubernetes' traffic policies, KEP-2086, plus
/// our `PreferLocal`).
public enum TrafficPolicy: String, Hashable, Sendable, CaseIterable {
    /// Every usable endpoint in the cluster.
    case cluster = "Cluster"
    /// Only this node's endpoints; none means the service refuses traffic (blackholed), never
    /// that it goes to another node.
    case local = "Local"
    /// This node's endpoints when there are any, else the cluster's (counted as a fallback).
    case preferLocal = "PreferLocal"
}

/// Which of a service's two policies a virtual address follows.
public enum TrafficPolicyScope: String, Hashable, Sendable, CaseIterable {
    /// Cluster IPs: `internalTrafficPolicy`.
    case `internal`
    /// External IPs, load-balancer IPs, node ports, firewall marks: `externalTrafficPolicy`.
    case external
}

/// One port of a service, as in a Kubernetes `ServicePort`.
public struct ServicePort: Hashable, Sendable {
    public var name: String?
    public var port: UInt16
    /// The endpoints' port; defaults to `port`.
    public var targetPort: UInt16
    public var `protocol`: TransportProtocol
    /// Also served on every address of this node at this port (external policy).
    public var nodePort: UInt16?

    public init(name: String? = nil, port: UInt16, targetPort: UInt16? = nil, protocol: TransportProtocol = .tcp, nodePort: UInt16? = nil) {
        self.name = name
        self.port = port
        self.targetPort = targetPort ?? port
        self.protocol = `protocol`
        self.nodePort = nodePort
    }
}

/// One backend of a service, as in a Kubernetes `EndpointSlice` endpoint.
public struct EndpointSpec: Hashable, Sendable {
    // A 10,000-service table holds 100,000 of these: the small fields follow the address's 17
    // bytes, where they fill its padding, the rare hints are boxed, and the node and zone are
    // one box that the endpoints on a node share.
    public var address: IPAddress
    /// Ready for new connections (`conditions.ready`).
    public var ready: Bool
    /// Able to serve (`conditions.serving`); defaults to `ready`.
    public var serving: Bool
    /// Shutting down (`conditions.terminating`).
    public var terminating: Bool
    /// The IPVS weight of its real servers.
    public var weight: UInt32
    /// Where it runs; nil when neither its node nor its zone is known.
    public var placement: EndpointPlacement?
    /// The node the endpoint runs on; needed by `Local` and `PreferLocal`.
    public var node: String? {
        get { placement?.node }
        set { placement = Self.placement(node: newValue, zone: zone) }
    }
    public var zone: String? {
        get { placement?.zone }
        set { placement = Self.placement(node: node, zone: newValue) }
    }
    /// Its effective health check: the service's, with this endpoint's overrides applied; nil
    /// when neither declares one.
    public var healthCheck: HealthCheck?
    /// Where the endpoint would rather be used (an EndpointSlice's `hints`); nil when it has none.
    public var hints: TopologyHints? {
        get { boxedHints?.value }
        set { boxedHints = newValue.map(CopyOnWriteBox.init) }
    }
    private var boxedHints: CopyOnWriteBox<TopologyHints>?
    /// The endpoint's own port for each service port, keyed by the service port's name (`""`
    /// for the unnamed one): in Kubernetes the number behind a named `targetPort` comes from
    /// the endpoint's EndpointSlice and may differ from slice to slice. Nil takes each
    /// `ServicePort.targetPort`; a map without a service port's name leaves the endpoint out
    /// of that port.
    public var targetPorts: [String: UInt16]?

    public init(
        address: IPAddress, node: String? = nil, zone: String? = nil, ready: Bool = true,
        serving: Bool? = nil, terminating: Bool = false, weight: UInt32 = 1, healthCheck: HealthCheck? = nil,
        hints: TopologyHints? = nil, targetPorts: [String: UInt16]? = nil
    ) {
        self.init(
            address: address, placement: Self.placement(node: node, zone: zone), ready: ready, serving: serving,
            terminating: terminating, weight: weight, healthCheck: healthCheck, hints: hints, targetPorts: targetPorts)
    }

    /// - Parameter placement: from ``EndpointPlacements``, which makes the endpoints on one
    ///   node share it.
    public init(
        address: IPAddress, placement: EndpointPlacement?, ready: Bool = true,
        serving: Bool? = nil, terminating: Bool = false, weight: UInt32 = 1, healthCheck: HealthCheck? = nil,
        hints: TopologyHints? = nil, targetPorts: [String: UInt16]? = nil
    ) {
        boxedHints = hints.map(CopyOnWriteBox.init)
        self.targetPorts = targetPorts
        self.address = address
        self.placement = placement
        self.ready = ready
        self.serving = serving ?? ready
        self.terminating = terminating
        self.weight = weight
        self.healthCheck = healthCheck
    }

    private static func placement(node: String?, zone: String?) -> EndpointPlacement? {
        node == nil && zone == nil ? nil : EndpointPlacement(node: node, zone: zone)
    }

    /// The port this endpoint serves `port` on; nil when it does not serve that port.
    public func targetPort(for port: ServicePort) -> UInt16? {
        guard let targetPorts else { return port.targetPort }
        return targetPorts[port.name ?? ""]
    }
}

/// An endpoint's topology hints (EndpointSlice `hints.forNodes` and `hints.forZones`): the nodes
/// and zones whose proxies should prefer it. Kubernetes writes them for `trafficDistribution`.
public struct TopologyHints: Hashable, Sendable {
    public var forNodes: [String]
    public var forZones: [String]

    public init(forNodes: [String] = [], forZones: [String] = []) {
        self.forNodes = forNodes
        self.forZones = forZones
    }
}

/// A service's `trafficDistribution`: prefer endpoints close to the client's node. Only `Cluster`
/// policies are narrowed by it, and only when every ready endpoint says where it belongs.
public enum TrafficDistribution: String, Hashable, Sendable, CaseIterable {
    /// Endpoints on this node when there are any, else as `PreferSameZone`.
    case preferSameNode = "PreferSameNode"
    /// Endpoints in this node's zone when there are any, else every endpoint.
    case preferSameZone = "PreferSameZone"
}

/// Client-IP session affinity, mapped to IPVS persistence.
public struct SessionAffinity: Hashable, Sendable {
    public var timeoutSeconds: UInt32
    /// Persistence granularity as a prefix length (32 or 128: per client address).
    public var prefixLength: UInt8?

    public init(timeoutSeconds: UInt32 = 10800, prefixLength: UInt8? = nil) {
        self.timeoutSeconds = timeoutSeconds
        self.prefixLength = prefixLength
    }
}

/// A declared service: the cluster-wide description every node reads the same way.
///
/// The fields live in one ``CopyOnWriteBox``: a desired state of 10,000 services is copied and
/// compared on every Kubernetes event.
public struct ServiceSpec: Hashable, Sendable {
    private struct Fields: Hashable, Sendable {
        var name: String
        var clusterIPs: [IPAddress]
        var externalIPs: [IPAddress]
        var loadBalancerIPs: [IPAddress]
        var loadBalancerSourceRanges: [IPPrefix]
        var firewallMark: FirewallMarkSpec?
        var ports: [ServicePort]
        var scheduler: Scheduler
        var schedulerFlags: ServiceFlags
        var forwarding: ForwardingMethod
        var sessionAffinity: SessionAffinity?
        var internalTrafficPolicy: TrafficPolicy
        var externalTrafficPolicy: TrafficPolicy
        var endpoints: [EndpointSpec]
        var drainSeconds: UInt32?
        var healthCheckNodePort: UInt16?
        var healthCheck: HealthCheck?
        var panicThreshold: Double?
        var trafficDistribution: TrafficDistribution?
    }

    private var fields: CopyOnWriteBox<Fields>

    /// Unique, `namespace/name` by convention.
    public var name: String {
        get { fields.value.name }
        _modify { yield &fields.value.name }
    }
    /// Internal virtual addresses (`internalTrafficPolicy`).
    public var clusterIPs: [IPAddress] {
        get { fields.value.clusterIPs }
        _modify { yield &fields.value.clusterIPs }
    }
    /// External virtual addresses (`externalTrafficPolicy`).
    public var externalIPs: [IPAddress] {
        get { fields.value.externalIPs }
        _modify { yield &fields.value.externalIPs }
    }
    /// Load-balancer addresses (`externalTrafficPolicy`).
    public var loadBalancerIPs: [IPAddress] {
        get { fields.value.loadBalancerIPs }
        _modify { yield &fields.value.loadBalancerIPs }
    }
    /// Clients allowed to reach the load-balancer addresses; empty allows every client.
    /// Enforced by the packet filter: anyone else's packets to those addresses are dropped.
    public var loadBalancerSourceRanges: [IPPrefix] {
        get { fields.value.loadBalancerSourceRanges }
        _modify { yield &fields.value.loadBalancerSourceRanges }
    }
    /// A firewall-mark service instead of (or besides) addresses (`externalTrafficPolicy`).
    public var firewallMark: FirewallMarkSpec? {
        get { fields.value.firewallMark }
        _modify { yield &fields.value.firewallMark }
    }
    public var ports: [ServicePort] {
        get { fields.value.ports }
        _modify { yield &fields.value.ports }
    }
    public var scheduler: Scheduler {
        get { fields.value.scheduler }
        _modify { yield &fields.value.scheduler }
    }
    public var schedulerFlags: ServiceFlags {
        get { fields.value.schedulerFlags }
        _modify { yield &fields.value.schedulerFlags }
    }
    public var forwarding: ForwardingMethod {
        get { fields.value.forwarding }
        _modify { yield &fields.value.forwarding }
    }
    public var sessionAffinity: SessionAffinity? {
        get { fields.value.sessionAffinity }
        _modify { yield &fields.value.sessionAffinity }
    }
    public var internalTrafficPolicy: TrafficPolicy {
        get { fields.value.internalTrafficPolicy }
        _modify { yield &fields.value.internalTrafficPolicy }
    }
    public var externalTrafficPolicy: TrafficPolicy {
        get { fields.value.externalTrafficPolicy }
        _modify { yield &fields.value.externalTrafficPolicy }
    }
    public var endpoints: [EndpointSpec] {
        get { fields.value.endpoints }
        _modify { yield &fields.value.endpoints }
    }
    /// How long a removed endpoint's real server drains (weight 0) before it is deleted.
    public var drainSeconds: UInt32? {
        get { fields.value.drainSeconds }
        _modify { yield &fields.value.drainSeconds }
    }
    /// For `externalTrafficPolicy: Local`: the HTTP port that tells load balancers whether this
    /// node has a local endpoint (like kube-proxy's healthCheckNodePort).
    public var healthCheckNodePort: UInt16? {
        get { fields.value.healthCheckNodePort }
        _modify { yield &fields.value.healthCheckNodePort }
    }
    /// The service's default health check (each endpoint carries its effective one).
    public var healthCheck: HealthCheck? {
        get { fields.value.healthCheck }
        _modify { yield &fields.value.healthCheck }
    }
    /// When more than this fraction (0 to 1) of the endpoints this node checks fail together,
    /// they are all kept in the kernel and the service is reported as panicking; nil never panics.
    public var panicThreshold: Double? {
        get { fields.value.panicThreshold }
        _modify { yield &fields.value.panicThreshold }
    }
    /// The file source's `trafficDistribution`: turned into each endpoint's hints from its node
    /// and zone, as Kubernetes' EndpointSlice controller does. Endpoints that carry hints of
    /// their own (the Kubernetes source) keep them.
    public var trafficDistribution: TrafficDistribution? {
        get { fields.value.trafficDistribution }
        _modify { yield &fields.value.trafficDistribution }
    }

    public init(
        name: String, clusterIPs: [IPAddress] = [], externalIPs: [IPAddress] = [], loadBalancerIPs: [IPAddress] = [],
        loadBalancerSourceRanges: [IPPrefix] = [], firewallMark: FirewallMarkSpec? = nil, ports: [ServicePort] = [],
        scheduler: Scheduler = .roundRobin,
        schedulerFlags: ServiceFlags = [], forwarding: ForwardingMethod = .masquerade, sessionAffinity: SessionAffinity? = nil,
        internalTrafficPolicy: TrafficPolicy = .cluster, externalTrafficPolicy: TrafficPolicy = .cluster,
        endpoints: [EndpointSpec] = [], drainSeconds: UInt32? = nil, healthCheckNodePort: UInt16? = nil,
        healthCheck: HealthCheck? = nil, panicThreshold: Double? = nil, trafficDistribution: TrafficDistribution? = nil
    ) {
        fields = CopyOnWriteBox(
            Fields(
                name: name,
                clusterIPs: clusterIPs,
                externalIPs: externalIPs,
                loadBalancerIPs: loadBalancerIPs,
                loadBalancerSourceRanges: loadBalancerSourceRanges,
                firewallMark: firewallMark,
                ports: ports,
                scheduler: scheduler,
                schedulerFlags: schedulerFlags,
                forwarding: forwarding,
                sessionAffinity: sessionAffinity,
                internalTrafficPolicy: internalTrafficPolicy,
                externalTrafficPolicy: externalTrafficPolicy,
                endpoints: endpoints,
                drainSeconds: drainSeconds,
                healthCheckNodePort: healthCheckNodePort,
                healthCheck: healthCheck,
                panicThreshold: panicThreshold,
                trafficDistribution: trafficDistribution))
    }

}

/// A firewall-mark virtual service: packets marked by netfilter, in one address family.
public struct FirewallMarkSpec: Hashable, Sendable {
    public var mark: UInt32
    public var family: AddressFamily
    /// The endpoints' port; 0 keeps each packet's own.
    public var targetPort: UInt16

    public init(mark: UInt32, family: AddressFamily = .inet, targetPort: UInt16 = 0) {
        self.mark = mark
        self.family = family
        self.targetPort = targetPort
    }
}

/// The `net.ipv4.vs.*` settings that matter to a load balancer, and the connection timeouts.
/// Nil leaves the kernel's value alone.
public struct KernelSettings: Hashable, Sendable {
    public var timeouts: Timeouts?
    /// `net.ipv4.vs.conntrack`: keep netfilter conntrack entries for IPVS connections.
    public var conntrack: Bool?
    /// `net.ipv4.vs.expire_nodest_conn`: drop a connection whose real server is gone at once.
    public var expireNoDestinationConnections: Bool?
    /// `net.ipv4.vs.expire_quiescent_template`: expire persistence templates of weight-0 servers.
    public var expireQuiescentTemplates: Bool?
    /// `net.ipv4.vs.conn_reuse_mode` (0, 1 or 2).
    public var connectionReuseMode: UInt8?
    /// kube-proxy's `strictARP`: true sets `arp_ignore=1` and `arp_announce=2` on all
    /// interfaces, so the node does not answer ARP for the virtual addresses of its dummy
    /// interface; false sets the kernel's defaults (0 and 0).
    public var strictARP: Bool?

    /// The sysctls asked for.
    public var sysctls: [KernelSysctl: Int] {
        var values: [KernelSysctl: Int] = [:]
        if let conntrack { values[.ipvsConntrack] = conntrack ? 1 : 0 }
        if let expireNoDestinationConnections { values[.expireNoDestinationConnections] = expireNoDestinationConnections ? 1 : 0 }
        if let expireQuiescentTemplates { values[.expireQuiescentTemplates] = expireQuiescentTemplates ? 1 : 0 }
        if let connectionReuseMode { values[.connectionReuseMode] = Int(connectionReuseMode) }
        if let strictARP {
            values[.arpIgnore] = strictARP ? 1 : 0
            values[.arpAnnounce] = strictARP ? 2 : 0
        }
        return values
    }

    public init(
        timeouts: Timeouts? = nil, conntrack: Bool? = nil, expireNoDestinationConnections: Bool? = nil,
        expireQuiescentTemplates: Bool? = nil, connectionReuseMode: UInt8? = nil, strictARP: Bool? = nil
    ) {
        self.strictARP = strictARP
        self.timeouts = timeouts
        self.conntrack = conntrack
        self.expireNoDestinationConnections = expireNoDestinationConnections
        self.expireQuiescentTemplates = expireQuiescentTemplates
        self.connectionReuseMode = connectionReuseMode
    }
}

/// What a service takes when its declaration says nothing: the config file's `defaults`, for
/// the services of a source that has no field for these (Kubernetes).
public struct ServiceDefaults: Hashable, Sendable {
    public var scheduler: Scheduler
    public var schedulerFlags: ServiceFlags
    public var forwarding: ForwardingMethod
    public var drainSeconds: UInt32?
    public var healthCheck: HealthCheck?
    public var panicThreshold: Double?
    /// The IPVS weight of every real server (Kubernetes endpoints have none of their own).
    public var weight: UInt32

    public init(
        scheduler: Scheduler = .roundRobin, schedulerFlags: ServiceFlags = [], forwarding: ForwardingMethod = .masquerade,
        drainSeconds: UInt32? = nil, healthCheck: HealthCheck? = nil, panicThreshold: Double? = nil, weight: UInt32 = 1
    ) {
        self.weight = weight
        self.scheduler = scheduler
        self.schedulerFlags = schedulerFlags
        self.forwarding = forwarding
        self.drainSeconds = drainSeconds
        self.healthCheck = healthCheck
        self.panicThreshold = panicThreshold
    }
}

/// Everything a config file declares: the same on every node of the fleet.
public struct DesiredState: Hashable, Sendable {
    /// This node's name, when the file names it; the CLI's `--node` or the host name otherwise.
    public var node: String?
    /// Each node's own addresses, where node ports are served.
    public var nodeAddresses: [String: [IPAddress]]
    /// Each node's zone (`topology.kubernetes.io/zone`), for zone hints.
    public var nodeZones: [String: String]
    /// The cluster's pod ranges (`clusterCIDRs:`): sources there are the cluster's own and are
    /// not masqueraded, unless this node's own ranges are known (``nodePodCIDRs``).
    public var clusterCIDRs: [IPPrefix]
    /// Each node's own pod ranges (`nodes.NAME.podCIDRs`, or a Node's `spec.podCIDRs`): where
    /// they are known for this node, they alone count as its local sources.
    public var nodePodCIDRs: [String: [IPPrefix]]
    /// The dummy interface that holds the virtual addresses IPVS must see as local.
    public var interface: String
    public var services: [ServiceSpec]
    public var kernel: KernelSettings
    /// For services whose source has no field for these (Kubernetes); the file's own services
    /// spell theirs out.
    public var defaults: ServiceDefaults

    public static let defaultInterface = "ipvs0"

    public init(
        node: String? = nil, nodeAddresses: [String: [IPAddress]] = [:], nodeZones: [String: String] = [:],
        clusterCIDRs: [IPPrefix] = [], nodePodCIDRs: [String: [IPPrefix]] = [:], interface: String = DesiredState.defaultInterface,
        services: [ServiceSpec] = [], kernel: KernelSettings = KernelSettings(),
        defaults: ServiceDefaults = ServiceDefaults()
    ) {
        self.defaults = defaults
        self.clusterCIDRs = clusterCIDRs
        self.nodePodCIDRs = nodePodCIDRs
        self.node = node
        self.nodeZones = nodeZones
        self.nodeAddresses = nodeAddresses
        self.interface = interface
        self.services = services
        self.kernel = kernel
    }
}

extension DesiredState {
    /// Whether everything but `services` is equal: what decides whether a new state may be
    /// compared with an old one service by service. O(1) in the number of services.
    public func equalsIgnoringServices(_ other: DesiredState) -> Bool {
        var lhs = self
        var rhs = other
        lhs.services = []
        rhs.services = []
        return lhs == rhs
    }
}
