import IPVSCore

/// Decodes `defaults`: what services take when their source has no field for it (Kubernetes
/// Services have none for the scheduler, forwarding, drains or health checks). The same keys,
/// vocabulary and limits as a service's, read by the same decoders.
enum DefaultsDecoder {
    enum Key: String, ConfigKey {
        case scheduler, forwarding, tunnel, drainSeconds, healthCheck, panicThreshold
    }

    static func decode(_ node: ConfigNode) -> ServiceDefaults? {
        guard let fields = node.mapping(Key.self) else { return nil }
        var service = DecodedService(node: node)
        SchedulerDecoder.decode(fields[.scheduler], into: &service)
        ForwardingDecoder.decode(forwarding: fields[.forwarding], tunnel: fields[.tunnel], into: &service)
        var defaults = ServiceDefaults()
        defaults.drainSeconds = fields[.drainSeconds]?.integer(in: Limits.drainSeconds)
        if let healthNode = fields[.healthCheck] {
            // No port needed: a check without one probes each endpoint's own port.
            defaults.healthCheck = HealthCheckDecoder.decode(service: healthNode, needsPort: false).check
        }
        defaults.panicThreshold = fields[.panicThreshold]?.decimal(in: Limits.fraction)
        let spec = service.spec
        defaults.scheduler = spec.scheduler
        defaults.schedulerFlags = spec.schedulerFlags
        defaults.forwarding = spec.forwarding
        return defaults
    }
}
