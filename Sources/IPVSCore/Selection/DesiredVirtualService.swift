/// Why a virtual service has the real servers it has: which declared service and port it comes
/// from, which policy chose its endpoints, and how that went.
public struct SelectionOrigin: Hashable, Sendable {
    public var serviceName: String
    public var portName: String?
    public var scope: TrafficPolicyScope
    public var policy: TrafficPolicy

    public init(serviceName: String, portName: String?, scope: TrafficPolicyScope, policy: TrafficPolicy) {
        self.serviceName = serviceName
        self.portName = portName
        self.scope = scope
        self.policy = policy
    }
}

/// How endpoint selection went for one virtual service.
public enum SelectionOutcome: String, Hashable, Sendable, CaseIterable {
    /// Real servers chosen as the policy says.
    case served
    /// `Local` and this node has no usable endpoint: the virtual service exists with no real
    /// server, so the kernel refuses its connections (TCP RST) instead of sending them away.
    case blackholed
    /// `PreferLocal` found no usable local endpoint and uses the cluster's.
    case fallback
    /// No usable endpoint anywhere in the cluster.
    case noEndpoints
}

/// One virtual service as this node's kernel must hold it.
public struct DesiredVirtualService: Hashable, Sendable {
    public var service: VirtualService
    /// Sorted by address and port.
    public var realServers: [RealServer]
    public var origin: SelectionOrigin
    public var outcome: SelectionOutcome
    /// Seconds a removed real server of this service drains before deletion; nil deletes at once.
    public var drainSeconds: UInt32?
    /// Real servers whose endpoint has not been probed yet: left as they are if in the kernel
    /// (a restart rewrites nothing), not created if not.
    public var heldRealServers: Set<RealServerKey> = []
    /// Real servers whose endpoint failed its health check: deleted at once, without a drain
    /// (a dead backend has nothing to finish).
    public var failedRealServers: Set<RealServerKey> = []
    /// More endpoints failed than the panic threshold allows: all are kept and this is reported.
    public var panicking = false

    public init(
        service: VirtualService, realServers: [RealServer], origin: SelectionOrigin,
        outcome: SelectionOutcome, drainSeconds: UInt32? = nil
    ) {
        self.service = service
        self.realServers = realServers
        self.origin = origin
        self.outcome = outcome
        self.drainSeconds = drainSeconds
    }
}

/// What this node's kernel must hold: its virtual services and the addresses to bind locally.
public struct DesiredKernelState: Hashable, Sendable {
    /// Sorted by key.
    public var virtualServices: [DesiredVirtualService]
    /// Virtual addresses IPVS must see as local (cluster, external and load-balancer IPs; node
    /// addresses are local already).
    public var addresses: Set<IPAddress>
    public var kernel: KernelSettings

    public init(virtualServices: [DesiredVirtualService] = [], addresses: Set<IPAddress> = [], kernel: KernelSettings = KernelSettings()) {
        self.virtualServices = virtualServices
        self.addresses = addresses
        self.kernel = kernel
    }

    /// Blackholed virtual services, per policy scope: the numbers kube-proxy exposes as
    /// `sync_proxy_rules_no_local_endpoints_total{traffic_policy}`.
    public func count(_ outcome: SelectionOutcome, scope: TrafficPolicyScope) -> Int {
        virtualServices.count { $0.outcome == outcome && $0.origin.scope == scope }
    }
}
