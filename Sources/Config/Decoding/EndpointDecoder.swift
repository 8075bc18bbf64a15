import IPVSCore

/// Decodes one entry of a service's `endpoints`, like an endpoint of a Kubernetes EndpointSlice
/// with its conditions written flat.
enum EndpointDecoder {
    enum Key: String, ConfigKey {
        case address, node, zone, ready, serving, terminating, weight, healthCheck
    }

    /// `health`: the service's check, which the endpoint carries unless it overrides it.
    static func decode(_ node: ConfigNode, health: HealthCheckScope) -> DecodedEndpoint? {
        guard let fields = node.mapping(Key.self) else { return nil }
        let addressNode = fields.required(.address)
        let address = addressNode?.address()
        let nodeNameNode = fields[.node]
        let nodeName = nodeNameNode?.name()
        let zone = fields[.zone]?.name()
        let ready = fields[.ready]?.bool() ?? true
        let serving = fields[.serving]?.bool()
        let terminating = fields[.terminating]?.bool() ?? false
        let weight = fields[.weight]?.integer(in: Limits.weight) ?? 1
        let healthNode = fields[.healthCheck]
        let healthCheck = healthNode.map { HealthCheckDecoder.decode(endpoint: $0, in: health) } ?? health.check

        // The address identifies the endpoint; anything else that is wrong has been reported and
        // leaves the endpoint's other rules checkable.
        guard let addressNode, let address else { return nil }
        return DecodedEndpoint(
            node: node,
            address: Located(value: address, node: addressNode),
            nodeName: located(nodeName, nodeNameNode),
            nodeGiven: nodeNameNode != nil,
            healthCheckGiven: healthNode != nil,
            spec: EndpointSpec(
                address: address, placement: node.document.placements.placement(node: nodeName, zone: zone), ready: ready,
                serving: serving, terminating: terminating, weight: weight, healthCheck: healthCheck))
    }
}
