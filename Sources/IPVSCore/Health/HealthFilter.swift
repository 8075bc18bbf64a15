/// Sorts one service's endpoints by the health checker's verdicts before a traffic policy
/// chooses among them.
struct HealthFilter {
    var view: HealthView
    var spec: ServiceSpec

    /// The verdict for an endpoint; an endpoint without a check is healthy.
    func verdict(_ endpoint: EndpointSpec) -> HealthVerdict {
        guard let target = spec.healthTarget(of: endpoint) else { return .healthy }
        return view[target]
    }

    /// Healthy endpoints are used as their conditions say; unknown ones are held; failed ones
    /// leave, unless more than the panic threshold failed together, which keeps them all.
    func sort(_ pool: [EndpointSpec]) -> EndpointSelection.Choice {
        var healthy: [EndpointSpec] = []
        var held: [EndpointSpec] = []
        var failed: [EndpointSpec] = []
        var checked = 0
        for endpoint in pool {
            if endpoint.healthCheck != nil { checked += 1 }
            switch verdict(endpoint) {
            case .healthy: healthy.append(endpoint)
            case .unknown: held.append(endpoint)
            case .unhealthy: failed.append(endpoint)
            }
        }
        var panicking = false
        if let threshold = spec.panicThreshold, checked > 0, !failed.isEmpty,
            Double(failed.count) / Double(checked) > threshold
        {
            panicking = true
            healthy += failed
            failed = []
        }
        return EndpointSelection.Choice(
            endpoints: EndpointSelection.usable(healthy), outcome: .served,
            held: EndpointSelection.usable(held), failed: failed, panicking: panicking)
    }
}

extension EndpointSelection.Choice {
    /// No endpoint serves or may still serve: a held endpoint (not probed yet, already in the
    /// kernel) counts as serving until its first verdict.
    var isEmpty: Bool { endpoints.isEmpty && held.isEmpty }
}

extension ServiceSpec {
    /// The port an endpoint's check probes: the check's own, else the endpoint's target port
    /// for the first service port it serves (its own number, where its EndpointSlice gives one),
    /// else the firewall mark's target port.
    public func healthCheckPort(for check: HealthCheck, endpoint: EndpointSpec) -> UInt16? {
        if let port = check.port { return port }
        if let port = ports.lazy.compactMap(endpoint.targetPort(for:)).first { return port }
        if let mark = firewallMark, mark.targetPort != 0 { return mark.targetPort }
        return nil
    }

    /// What probing `endpoint` means: its address, the port its check probes, the check; nil
    /// when it has no check (or no port to probe).
    public func healthTarget(of endpoint: EndpointSpec) -> HealthTarget? {
        guard let check = endpoint.healthCheck, let port = healthCheckPort(for: check, endpoint: endpoint) else { return nil }
        return HealthTarget(address: endpoint.address, port: port, check: check)
    }

    /// The endpoints whose health this node needs: all of them when a policy of the service
    /// may send to other nodes, only its own when every policy in use is `Local`.
    public func endpointsToCheck(node: String) -> [EndpointSpec] {
        let internalInUse = !clusterIPs.isEmpty
        let externalInUse = !externalIPs.isEmpty || !loadBalancerIPs.isEmpty || firewallMark != nil || ports.contains { $0.nodePort != nil }
        let onlyLocal = (!internalInUse || internalTrafficPolicy == .local) && (!externalInUse || externalTrafficPolicy == .local)
        return endpoints.filter { ($0.ready || $0.serving) && (!onlyLocal || $0.node == node) }
    }
}

/// What a node's health checker probes.
public enum HealthTargets {
    /// Every distinct target of the state on this node: one per (address, port, check), however
    /// many services or virtual addresses share it.
    public static func targets(of state: DesiredState, node: String) -> Set<HealthTarget> {
        var targets = Set<HealthTarget>()
        for spec in state.services { insertTargets(of: spec, node: node, into: &targets) }
        return targets
    }

    /// The targets one service contributes on this node.
    public static func targets(of spec: ServiceSpec, node: String) -> Set<HealthTarget> {
        var targets = Set<HealthTarget>()
        insertTargets(of: spec, node: node, into: &targets)
        return targets
    }

    private static func insertTargets(of spec: ServiceSpec, node: String, into targets: inout Set<HealthTarget>) {
        guard spec.healthCheck != nil || spec.endpoints.contains(where: { $0.healthCheck != nil }) else { return }
        for endpoint in spec.endpointsToCheck(node: node) {
            if let target = spec.healthTarget(of: endpoint) { targets.insert(target) }
        }
    }
}
