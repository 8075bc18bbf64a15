/// Topology-aware narrowing of a `Cluster` pool, as kube-proxy's `CategorizeEndpoints` does it:
/// the endpoints hinted for this node, else those hinted for this node's zone, but only when
/// every ready endpoint carries such hints and at least one names this node (or zone).
/// Anything less would leave some client node without a preferred endpoint, so the hints are
/// then ignored altogether. `Local` pools are never narrowed.
enum TopologyPreference: Hashable {
    case sameNode(String)
    case sameZone(String)

    /// The preference the ready endpoints of one pool allow; nil means no narrowing.
    init?(ready: [EndpointSpec], node: String, zone: String?) {
        guard !ready.isEmpty else { return nil }
        let nodeHints = ready.map { $0.hints?.forNodes ?? [] }
        if nodeHints.allSatisfy({ !$0.isEmpty }), nodeHints.contains(where: { $0.contains(node) }) {
            self = .sameNode(node)
            return
        }
        // A node without a zone label has no zone to prefer.
        guard let zone, !zone.isEmpty else { return nil }
        let zoneHints = ready.map { $0.hints?.forZones ?? [] }
        if zoneHints.allSatisfy({ !$0.isEmpty }), zoneHints.contains(where: { $0.contains(zone) }) {
            self = .sameZone(zone)
            return
        }
        return nil
    }

    func admits(_ endpoint: EndpointSpec) -> Bool {
        switch self {
        case .sameNode(let node): endpoint.hints?.forNodes.contains(node) ?? false
        case .sameZone(let zone): endpoint.hints?.forZones.contains(zone) ?? false
        }
    }
}

extension EndpointSelection.Choice {
    /// The choice narrowed to the endpoints topology prefers. Health came first: a failed
    /// endpoint is in neither list, so it counts as not ready here. A preference exists only
    /// when a ready endpoint matches it, so serving-but-terminating endpoints (the fallback when
    /// no ready one is left) are never narrowed.
    func narrowed(node: String, zone: String?) -> Self {
        // Nearly always a ready endpoint carries no hints, and then there is no preference:
        // decided without copying the pool.
        let unhinted = { (endpoint: EndpointSpec) in endpoint.isReady && endpoint.hints == nil }
        if endpoints.contains(where: unhinted) || held.contains(where: unhinted) { return self }
        let ready = (endpoints + held).filter(\.isReady)
        guard let preference = TopologyPreference(ready: ready, node: node, zone: zone) else { return self }
        var narrowed = self
        narrowed.endpoints = endpoints.filter { $0.isReady && preference.admits($0) }
        narrowed.held = held.filter { $0.isReady && preference.admits($0) }
        return narrowed
    }
}

extension TopologyHints {
    /// The hints Kubernetes' EndpointSlice controller writes for `distribution`: a zone hint
    /// from the endpoint's zone, and for `PreferSameNode` a node hint from its node. An endpoint
    /// without them gets none, which turns the preference off for its whole pool, as in
    /// Kubernetes.
    static func synthesised(for endpoint: EndpointSpec, distribution: TrafficDistribution) -> TopologyHints? {
        let zones = endpoint.zone.map { [$0] } ?? []
        let nodes = distribution == .preferSameNode ? endpoint.node.map { [$0] } ?? [] : []
        guard !zones.isEmpty || !nodes.isEmpty else { return nil }
        return TopologyHints(forNodes: nodes, forZones: zones)
    }
}

extension ServiceSpec {
    /// The endpoints as selection sees them: those without hints of their own get the ones
    /// `trafficDistribution` implies (the file source); the Kubernetes source brings its own.
    var endpointsWithTopologyHints: [EndpointSpec] {
        guard let trafficDistribution else { return endpoints }
        return endpoints.map { endpoint in
            guard endpoint.hints == nil else { return endpoint }
            var hinted = endpoint
            hinted.hints = TopologyHints.synthesised(for: endpoint, distribution: trafficDistribution)
            return hinted
        }
    }
}

extension EndpointSpec {
    /// Ready for new connections: ready and not shutting down.
    var isReady: Bool { ready && !terminating }
}
