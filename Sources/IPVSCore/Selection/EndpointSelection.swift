/// Turns the cluster-wide declaration into what this node's kernel must hold (KEP-2086):
/// one virtual service per (address, port, protocol) or firewall mark; internal addresses follow
/// `internalTrafficPolicy`, external ones `externalTrafficPolicy`, independently.
///
/// With a health view, endpoints are sorted by their verdict before any policy applies: a failed
/// endpoint is not ready, an unknown one neither enters nor leaves the kernel, and a service whose
/// failures exceed its panic threshold keeps them all.
///
/// `Cluster` pools are then narrowed by topology hints as kube-proxy narrows them (see
/// `TopologyPreference`); each endpoint is used on its own port for each service port
/// (`EndpointSpec.targetPorts`).
public enum EndpointSelection {
    /// - Parameter health: the health checker's verdicts; nil (the CLI) takes every endpoint's
    ///   declared conditions as they are.
    public static func select(_ state: DesiredState, node: String, health: HealthView? = nil) -> DesiredKernelState {
        // Collected in declaration order, then sorted by key, the first of each key kept: a
        // dictionary by key hashed and grew for every virtual service only to find the repeats
        // that validation already refuses.
        var selected: [DesiredVirtualService] = []
        selected.reserveCapacity(state.services.count)
        var addresses = Set<IPAddress>()
        let nodeAddresses = state.nodeAddresses[node] ?? []
        let zone = state.nodeZones[node]

        for spec in state.services {
            let endpoints = spec.endpointsWithTopologyHints
            let health = health.map { HealthFilter(view: $0, spec: spec) }
            // `targetPort` gives each endpoint's port for this virtual service, nil where the
            // endpoint does not serve it (Kubernetes: its EndpointSlice lacks that port).
            func add(
                _ key: VirtualServiceKey, port: ServicePort?, scope: TrafficPolicyScope,
                targetPort: (EndpointSpec) -> UInt16?
            ) {
                let policy = scope == .internal ? spec.internalTrafficPolicy : spec.externalTrafficPolicy
                let choice = choose(
                    endpoints.keeping { targetPort($0) != nil }, policy: policy, node: node, zone: zone,
                    family: key.family, tunnel: spec.forwarding.isTunnel, health: health)
                func keys(_ endpoints: [EndpointSpec]) -> Set<RealServerKey> {
                    Set(
                        endpoints.compactMap { endpoint in targetPort(endpoint).map { RealServerKey(address: endpoint.address, port: $0) } }
                    )
                }
                // Two endpoints may make one real server (the same address and port): the first
                // declared wins, which the stable sort put first. Found without a set per service.
                let realServers = choice.endpoints
                    .compactMap { endpoint in
                        targetPort(endpoint).map {
                            RealServer(address: endpoint.address, port: $0, forwarding: spec.forwarding, weight: endpoint.weight)
                        }
                    }
                    .sorted { $0.key < $1.key }
                    .firstOfEachRun { $0.key == $1.key }
                var desired = DesiredVirtualService(
                    service: virtualService(key, spec: spec),
                    realServers: realServers,
                    origin: SelectionOrigin(serviceName: spec.name, portName: port?.name, scope: scope, policy: policy),
                    outcome: choice.outcome,
                    drainSeconds: spec.drainSeconds)
                desired.heldRealServers = keys(choice.held)
                desired.failedRealServers = keys(choice.failed)
                desired.panicking = choice.panicking
                selected.append(desired)
            }

            for port in spec.ports {
                let targetPort = { (endpoint: EndpointSpec) in endpoint.targetPort(for: port) }
                for address in spec.clusterIPs {
                    add(.address(address, port: port.port, protocol: port.protocol), port: port, scope: .internal, targetPort: targetPort)
                }
                for address in spec.externalIPs + spec.loadBalancerIPs {
                    add(.address(address, port: port.port, protocol: port.protocol), port: port, scope: .external, targetPort: targetPort)
                }
                if let nodePort = port.nodePort {
                    for address in nodeAddresses {
                        add(
                            .address(address, port: nodePort, protocol: port.protocol), port: port, scope: .external, targetPort: targetPort
                        )
                    }
                }
            }
            if let mark = spec.firewallMark {
                add(.firewallMark(mark.mark, family: mark.family), port: nil, scope: .external, targetPort: { _ in mark.targetPort })
            }
            addresses.formUnion(spec.clusterIPs)
            addresses.formUnion(spec.externalIPs)
            addresses.formUnion(spec.loadBalancerIPs)
        }
        // Validation refuses repeated keys; should one slip through, the first declaration wins,
        // which the stable sort put first.
        selected.sort { $0.service.key < $1.service.key }
        return DesiredKernelState(
            virtualServices: selected.firstOfEachRun { $0.service.key == $1.service.key },
            addresses: addresses,
            kernel: state.kernel)
    }

    /// What a policy makes of a service's endpoints on this node.
    struct Choice {
        var endpoints: [EndpointSpec]
        var outcome: SelectionOutcome
        /// Not probed yet: kept in the kernel if there, not added.
        var held: [EndpointSpec] = []
        /// Failed their health check: out of the kernel at once.
        var failed: [EndpointSpec] = []
        var panicking = false
    }

    /// The endpoints a policy allows, ready ones first: serving-but-terminating endpoints are
    /// used only when no ready one is left (KEP-1669). Health comes before both: a failed
    /// endpoint is not ready, whatever its declared conditions. `Cluster` pools (also the
    /// fallback of `PreferLocal`) are then narrowed by topology hints (`zone`: this node's).
    static func choose(
        _ endpoints: [EndpointSpec], policy: TrafficPolicy, node: String, zone: String? = nil,
        family: AddressFamily, tunnel: Bool, health: HealthFilter? = nil
    ) -> Choice {
        // Only tunnels may carry one family inside the other.
        let reachable = tunnel ? endpoints : endpoints.keeping { $0.address.family == family }
        var localPool: [EndpointSpec] { reachable.keeping { $0.node == node } }
        func pick(_ pool: [EndpointSpec]) -> Choice {
            guard let health else { return Choice(endpoints: usable(pool), outcome: .served) }
            return health.sort(pool)
        }
        switch policy {
        case .cluster:
            var choice = pick(reachable).narrowed(node: node, zone: zone)
            choice.outcome = choice.isEmpty ? .noEndpoints : .served
            return choice
        case .local:
            var choice = pick(localPool)
            choice.outcome = choice.isEmpty ? .blackholed : .served
            return choice
        case .preferLocal:
            var local = pick(localPool)
            if !local.isEmpty {
                local.outcome = .served
                return local
            }
            var cluster = pick(reachable).narrowed(node: node, zone: zone)
            cluster.outcome = cluster.isEmpty ? .noEndpoints : .fallback
            return cluster
        }
    }

    static func usable(_ endpoints: [EndpointSpec]) -> [EndpointSpec] {
        let ready = endpoints.keeping(\.isReady)
        if !ready.isEmpty { return ready }
        return endpoints.filter { $0.serving && $0.terminating }
    }

    static func virtualService(_ key: VirtualServiceKey, spec: ServiceSpec) -> VirtualService {
        var flags = spec.schedulerFlags
        var timeout: UInt32 = 0
        var netmask = VirtualService.hostNetmask(for: key.family)
        if let affinity = spec.sessionAffinity {
            flags.insert(.persistent)
            timeout = affinity.timeoutSeconds
            if let prefix = affinity.prefixLength {
                netmask = key.family == .inet ? (prefix == 0 ? 0 : UInt32.max << (32 - UInt32(min(prefix, 32)))) : UInt32(prefix)
            }
        }
        return VirtualService(key: key, scheduler: spec.scheduler, flags: flags, timeout: timeout, netmask: netmask)
    }
}

extension Array {
    /// `filter`, without a copy when every element is kept: selection narrows each service's
    /// endpoints several times (by port, family, node, readiness), and nearly always keeps them
    /// all.
    func keeping(_ isKept: (Element) -> Bool) -> [Element] {
        guard let first = firstIndex(where: { !isKept($0) }) else { return self }
        var kept = Array(self[..<first])
        kept.reserveCapacity(count - 1)
        for element in self[(first + 1)...] where isKept(element) { kept.append(element) }
        return kept
    }
}

extension Array {
    /// The first element of each run of equal neighbours (in a sorted array: of each value),
    /// without a copy when there is no run.
    func firstOfEachRun(_ areEqual: (Element, Element) -> Bool) -> [Element] {
        guard zip(self, dropFirst()).contains(where: areEqual) else { return self }
        return enumerated().filter { $0.offset == 0 || !areEqual(self[$0.offset - 1], $0.element) }.map(\.element)
    }
}

extension ForwardingMethod {
    public var isTunnel: Bool {
        if case .tunnel = self { return true }
        return false
    }
}
