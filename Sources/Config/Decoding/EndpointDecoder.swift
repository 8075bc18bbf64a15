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
        let address = fields.required(.address)?.address()
        let nodeName = fields[.node]?.name()
        let zone = fields[.zone]?.name()
        let ready = fields[.ready]?.bool() ?? true
        let serving = fields[.serving]?.bool()
        let terminating = fields[.terminating]?.bool() ?? false
        let weight = fields[.weight]?.integer(in: Limits.weight) ?? 1
        let healthNode = fields[.healthCheck]
        let healthCheck = healthNode.map { HealthCheckDecoder.decode(endpoint: $0, in: health) } ?? health.check

        // The address identifies the endpoint; anything else that is wrong has been reported and
        // leaves the endpoint's other rules checkable.
        guard let address else { return nil }
        return DecodedEndpoint(
            fields: fields,
            spec: EndpointSpec(
                address: address, placement: node.document.placements.placement(node: nodeName, zone: zone), ready: ready,
                serving: serving, terminating: terminating, weight: weight, healthCheck: healthCheck))
    }
}
