/// Turns the cluster-wide declaration into what this node's kernel must hold (KEP-2086):
/// one virtual service per (address, port, protocol) or firewall mark; internal addresses follow
/// `internalTrafficPolicy`, external ones `externalTrafficPolicy`, independently.
public enum EndpointSelection {
    public static func select(_ state: DesiredState, node: String) -> DesiredKernelState {
        var result: [VirtualServiceKey: DesiredVirtualService] = [:]
        var addresses = Set<IPAddress>()
        let nodeAddresses = state.nodeAddresses[node] ?? []

        for spec in state.services {
            func add(_ key: VirtualServiceKey, port: ServicePort?, scope: TrafficPolicyScope, targetPort: UInt16) {
                // Validation refuses duplicates; should one slip through, the first declaration wins.
                guard result[key] == nil else { return }
                let policy = scope == .internal ? spec.internalTrafficPolicy : spec.externalTrafficPolicy
                let (endpoints, outcome) = choose(spec.endpoints, policy: policy, node: node,
                                                  family: key.family, tunnel: spec.forwarding.isTunnel)
                var seen = Set<RealServerKey>()
                let realServers = endpoints
                    .map { RealServer(address: $0.address, port: targetPort, forwarding: spec.forwarding, weight: $0.weight) }
                    .filter { seen.insert($0.key).inserted }
                    .sorted { $0.key < $1.key }
                result[key] = DesiredVirtualService(
                    service: virtualService(key, spec: spec),
                    realServers: realServers,
                    origin: SelectionOrigin(serviceName: spec.name, portName: port?.name, scope: scope, policy: policy),
                    outcome: outcome,
                    drainSeconds: spec.drainSeconds)
            }

            for port in spec.ports {
                for address in spec.clusterIPs {
                    add(.address(address, port: port.port, protocol: port.protocol), port: port, scope: .internal, targetPort: port.targetPort)
                }
                for address in spec.externalIPs + spec.loadBalancerIPs {
                    add(.address(address, port: port.port, protocol: port.protocol), port: port, scope: .external, targetPort: port.targetPort)
                }
                if let nodePort = port.nodePort {
                    for address in nodeAddresses {
                        add(.address(address, port: nodePort, protocol: port.protocol), port: port, scope: .external, targetPort: port.targetPort)
                    }
                }
            }
            if let mark = spec.firewallMark {
                add(.firewallMark(mark.mark, family: mark.family), port: nil, scope: .external, targetPort: mark.targetPort)
            }
            addresses.formUnion(spec.clusterIPs)
            addresses.formUnion(spec.externalIPs)
            addresses.formUnion(spec.loadBalancerIPs)
        }
        return DesiredKernelState(
            virtualServices: result.values.sorted { $0.service.key < $1.service.key },
            addresses: addresses,
            kernel: state.kernel)
    }

    /// The endpoints a policy allows, ready ones first: serving-but-terminating endpoints are
    /// used only when no ready one is left (KEP-1669).
    static func choose(_ endpoints: [EndpointSpec], policy: TrafficPolicy, node: String,
                       family: AddressFamily, tunnel: Bool) -> ([EndpointSpec], SelectionOutcome) {
        // Only tunnels may carry one family inside the other.
        let reachable = tunnel ? endpoints : endpoints.filter { $0.address.family == family }
        let cluster = usable(reachable)
        let local = usable(reachable.filter { $0.node == node })
        switch policy {
        case .cluster:
            return (cluster, cluster.isEmpty ? .noEndpoints : .served)
        case .local:
            return (local, local.isEmpty ? .blackholed : .served)
        case .preferLocal:
            if !local.isEmpty { return (local, .served) }
            return (cluster, cluster.isEmpty ? .noEndpoints : .fallback)
        }
    }

    static func usable(_ endpoints: [EndpointSpec]) -> [EndpointSpec] {
        let ready = endpoints.filter { $0.ready && !$0.terminating }
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

extension ForwardingMethod {
    public var isTunnel: Bool {
        if case .tunnel = self { return true }
        return false
    }
}
