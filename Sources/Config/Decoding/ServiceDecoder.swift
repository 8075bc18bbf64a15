import IPVSCore

/// Decodes one entry of `services`: each field's type, range and vocabulary. How the fields
/// relate to one another, and to other services, is for the rules in Validation/.
enum ServiceDecoder {
    enum Key: String, ConfigKey {
        case name, clusterIPs, externalIPs, loadBalancerIPs, loadBalancerSourceRanges, firewallMark, ports, scheduler
        case forwarding, tunnel, sessionAffinity, internalTrafficPolicy, externalTrafficPolicy
        case drainSeconds, healthCheckNodePort, healthCheck, panicThreshold, trafficDistribution, endpoints
    }

    /// Kubernetes' words; `PreferClose` is its older name for `PreferSameZone`.
    static let trafficDistributions =
        TrafficDistribution.allCases.map { (word: $0.rawValue, value: $0) }
        + [(word: "PreferClose", value: TrafficDistribution.preferSameZone)]

    static let trafficPolicies = TrafficPolicy.allCases.map { (word: $0.rawValue, value: $0) }

    static func decode(_ node: ConfigNode) -> DecodedService? {
        guard let fields = node.mapping(Key.self) else { return nil }
        var service = DecodedService(node: node)

        if let nameNode = fields.required(.name), let name = nameNode.name() {
            service.name = Located(value: name, node: nameNode)
        }

        service.clusterIPs = addresses(fields[.clusterIPs], into: &service)
        service.externalIPs = addresses(fields[.externalIPs], into: &service)
        service.loadBalancerIPs = addresses(fields[.loadBalancerIPs], into: &service)
        if let rangesNode = fields[.loadBalancerSourceRanges] {
            service.loadBalancerSourceRanges = Located(value: DocumentDecoder.prefixes(rangesNode), node: rangesNode)
        }

        if let markNode = fields[.firewallMark] {
            service.firewallMark = FirewallMarkDecoder.decode(markNode)
            if service.firewallMark == nil { service.incomplete.insert(.firewallMark) }
        }

        if let portsNode = fields[.ports] {
            let items = portsNode.sequence()
            let ports = items?.compactMap(PortDecoder.decode) ?? []
            if ports.count != items?.count { service.incomplete.insert(.ports) }
            service.ports = ports
        }

        SchedulerDecoder.decode(fields[.scheduler], into: &service)
        ForwardingDecoder.decode(forwarding: fields[.forwarding], tunnel: fields[.tunnel], into: &service)
        SessionAffinityDecoder.decode(fields[.sessionAffinity], into: &service)

        for (key, keyPath) in [
            (Key.internalTrafficPolicy, \DecodedService.internalTrafficPolicy),
            (Key.externalTrafficPolicy, \DecodedService.externalTrafficPolicy),
        ] {
            guard let policyNode = fields[key] else { continue }
            if let policy = policyNode.choice(trafficPolicies) {
                service[keyPath: keyPath] = policy
            } else {
                service.incomplete.insert(.policies)
            }
        }

        service.trafficDistribution = fields[.trafficDistribution]?.choice(trafficDistributions)
        service.drainSeconds = fields[.drainSeconds]?.integer(in: Limits.drainSeconds)
        if let healthNode = fields[.healthCheckNodePort], let port = healthNode.integer(in: Limits.port) {
            service.healthCheckNodePort = Located(value: port, node: healthNode)
        }

        // Before the endpoints, which inherit the service's check.
        var health = HealthCheckScope(needsPort: needsHealthCheckPort(service))
        if let healthNode = fields[.healthCheck] {
            health = HealthCheckDecoder.decode(service: healthNode, needsPort: health.needsPort)
            service.healthCheck = health.check
            service.healthCheckGiven = true
        }
        if let panicNode = fields[.panicThreshold], let threshold = panicNode.decimal(in: Limits.fraction) {
            service.panicThreshold = Located(value: threshold, node: panicNode)
        }

        service.endpoints = fields[.endpoints]?.sequence()?.compactMap { EndpointDecoder.decode($0, health: health) } ?? []
        return service
    }

    /// A health check defaults to the first port's targetPort, or a firewall mark's; a
    /// firewall-mark service without ports whose packets keep their own port (targetPort 0)
    /// offers none. False when what it depends on failed to decode (reported).
    private static func needsHealthCheckPort(_ service: DecodedService) -> Bool {
        guard let mark = service.firewallMark, !mark.targetPortRefused, service.ports.isEmpty,
            !service.incomplete.contains(.ports)
        else { return false }
        return mark.spec.targetPort == 0
    }

    /// The valid addresses of a VIP list; an invalid one marks the service's addresses
    /// incomplete, so that family rules do not guess.
    private static func addresses(_ node: ConfigNode?, into service: inout DecodedService) -> [Located<IPAddress>] {
        guard let node else { return [] }
        guard let items = node.sequence() else {
            service.incomplete.insert(.addresses)
            return []
        }
        let addresses = items.compactMap { item in item.address().map { Located(value: $0, node: item) } }
        if addresses.count != items.count { service.incomplete.insert(.addresses) }
        return addresses
    }
}
