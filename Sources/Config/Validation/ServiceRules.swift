import IPVSCore

/// The rules that relate one service's fields to one another: what a virtual service needs,
/// which flags and options fit the scheduler, forwarding and protocol, which fields only mean
/// something under a given traffic policy, the panic threshold, which needs health checks, and
/// the load-balancer source ranges, which need load-balancer IPs of their family.
/// (The rules between a health check's own keys are checked as it is decoded, where the
/// service's check and an endpoint's override are merged.) Each rule stays quiet when a field
/// it depends on failed to decode, since that problem is already reported.
enum ServiceRules {
    static func check(_ service: DecodedService) {
        checkVirtualServicesExist(service)
        checkFlags(service)
        checkForwardingOptions(service)
        checkTrafficPolicyFields(service)
        checkPanicThreshold(service)
        checkLoadBalancerSourceRanges(service)
    }

    /// Virtual IPs need ports; a service needs at least one virtual service; and ports that no
    /// virtual service uses are refused, since a firewall-mark service takes its endpoints' port
    /// from `firewallMark.targetPort` and an operator writing `ports` there expects otherwise.
    private static func checkVirtualServicesExist(_ service: DecodedService) {
        let incomplete = service.incomplete
        guard incomplete.isDisjoint(with: [.addresses, .firewallMark, .ports]) else { return }
        let hasVirtualIPs = !service.virtualIPs.isEmpty
        let hasNodePorts = service.ports.contains { $0.nodePort != nil }
        let hasFirewallMark = service.firewallMark != nil
        if hasVirtualIPs, service.ports.isEmpty {
            service.node.report(
                .noVirtualService, missing: "ports",
                "the service has virtual IPs but no ports to serve them on")
        } else if !hasVirtualIPs, !hasNodePorts, !hasFirewallMark {
            service.node.report(
                .noVirtualService,
                "the service declares no virtual service: give clusterIPs, externalIPs, loadBalancerIPs, a nodePort or a firewallMark")
        } else if !hasVirtualIPs {
            for port in service.ports where port.nodePort == nil {
                port.node.report(
                    .notApplicable,
                    "port \(port.port.value) has no virtual IP and no nodePort to serve it; a firewallMark service takes its endpoints' port from firewallMark.targetPort"
                )
            }
        }
    }

    private static func checkFlags(_ service: DecodedService) {
        for flag in service.flags {
            if let owner = flag.value.scheduler, !service.incomplete.contains(.scheduler), owner != service.scheduler {
                flag.node.report(
                    .notApplicable,
                    "\(flag.value.rawValue) applies only to the \(owner.rawValue) scheduler; this service uses \(service.scheduler.rawValue)"
                )
            }
            if flag.value == .onePacket, !service.incomplete.contains(.ports),
                let tcpOrSCTP = service.ports.first(where: { $0.protocol != .udp })
            {
                flag.node.report(
                    .notApplicable,
                    "one-packet scheduling applies only to UDP services; port \(tcpOrSCTP.port.value) is \(tcpOrSCTP.protocol.name)")
            }
        }
    }

    /// Tunnel options need tunnel forwarding; direct routing and tunnels deliver packets
    /// unchanged, so they cannot send to another port than the service's.
    private static func checkForwardingOptions(_ service: DecodedService) {
        guard !service.incomplete.contains(.forwarding) else { return }
        if let tunnel = service.tunnel, service.forwarding != .tunnel {
            tunnel.node.report(.notApplicable, "tunnel options apply only with forwarding: tunnel")
        }
        guard !service.forwarding.translatesPorts else { return }
        let method = ForwardingKind.words.first { $0.value == service.forwarding }?.word ?? ""
        for port in service.ports {
            if let target = port.targetPort, target.value != port.port.value {
                target.node.report(
                    .notApplicable,
                    "\(method) forwarding does not translate ports: targetPort must equal port \(port.port.value) or be left out")
            }
        }
        if let mark = service.firewallMark, let target = mark.targetPortNode, mark.spec.targetPort != 0 {
            target.report(
                .notApplicable,
                "\(method) forwarding does not translate ports: leave firewallMark.targetPort out or 0")
        }
    }

    /// `healthCheckNodePort` exists for load balancers in front of `externalTrafficPolicy:
    /// Local`; and a policy that picks endpoints by node needs every endpoint's node, or a
    /// node-less endpoint would silently never be local anywhere.
    private static func checkTrafficPolicyFields(_ service: DecodedService) {
        guard !service.incomplete.contains(.policies) else { return }
        if let health = service.healthCheckNodePort, service.externalTrafficPolicy != .local {
            health.node.report(
                .notApplicable,
                "healthCheckNodePort applies only with externalTrafficPolicy: Local (this service has \(service.externalTrafficPolicy.rawValue))"
            )
        }
        let byNode = [
            ("internalTrafficPolicy", service.internalTrafficPolicy),
            ("externalTrafficPolicy", service.externalTrafficPolicy),
        ]
        .first { $0.1 != .cluster }
        guard let (policyKey, policy) = byNode else { return }
        for endpoint in service.endpoints where !endpoint.nodeGiven {
            endpoint.node.report(
                .missingNode, missing: "node",
                "endpoint \(endpoint.spec.address) has no node, but \(policyKey) \(policy.rawValue) selects endpoints by node")
        }
    }

    /// The panic threshold counts failed endpoints: without a check on the service or any of
    /// its endpoints none ever fails, and the threshold would silently mean nothing.
    private static func checkPanicThreshold(_ service: DecodedService) {
        guard let threshold = service.panicThreshold, !service.healthCheckGiven,
            !service.endpoints.contains(where: \.healthCheckGiven)
        else { return }
        threshold.node.report(
            .notApplicable,
            "panicThreshold applies only with a healthCheck, on the service or its endpoints: without one no endpoint ever fails")
    }

    /// Source ranges filter the clients of the load-balancer IPs and nothing else: on a service
    /// without any they would silently filter nothing, and a range of a family none of those
    /// IPs has could never match a client (an operator who wrote it expects it to).
    private static func checkLoadBalancerSourceRanges(_ service: DecodedService) {
        guard let ranges = service.loadBalancerSourceRanges, !service.incomplete.contains(.addresses) else { return }
        let families = Set(service.loadBalancerIPs.map(\.value.family))
        if families.isEmpty {
            if ranges.node.itemCount > 0 {
                ranges.node.report(
                    .notApplicable,
                    "loadBalancerSourceRanges filter the clients of loadBalancerIPs, and this service has none")
            }
            return
        }
        let served = families.sorted { $0.rawValue < $1.rawValue }.map(\.description).joined(separator: " and ")
        for range in ranges.value where !families.contains(range.value.family) {
            range.node.report(
                .mixedFamilies,
                "\(range.value) is an \(range.value.family) range but this service's loadBalancerIPs are \(served) only: it could never match a client"
            )
        }
    }
}
