import IPVSCore
import KubernetesAPI

/// A Service with its values checked, before its endpoints are joined.
struct ReadService {
    var spec: ServiceSpec
    /// The Service ports as slice ports join them: name (`""` when unnamed) and protocol.
    var joinKeys: [(name: String, protocol: TransportProtocol)]
}

extension ReadService {
    /// The Service as this node proxies it; nil when it is not proxied (reported in `log`).
    /// A bad address or port leaves out that address or port; a type, traffic policy or
    /// session affinity that cannot be read leaves out the Service, since they decide where
    /// traffic may go.
    init?(_ service: KubernetesService, log: inout SkipLog) {
        let key = service.metadata.key
        let essentials: Essentials
        do {
            essentials = try Self.essentials(of: service)
        } catch {
            log.skip(.service, key, field: error.field, error.reason)
            return nil
        }
        let spec = essentials.spec
        let kind = essentials.kind

        func addresses(_ texts: [String], field: String) -> [IPAddress] {
            texts.enumerated().compactMap { index, text in
                guard let address = IPAddress(text) else {
                    log.skip(.service, key, field: "\(field)[\(index)]", .badAddress(text))
                    return nil
                }
                return address
            }
        }
        // `clusterIPs` (one per family, `clusterIP` first); objects from before dual-stack have
        // `clusterIP` alone.
        let clusterIPs: [IPAddress]
        if let listed = spec.clusterIPs, !listed.isEmpty {
            clusterIPs = addresses(listed, field: "spec.clusterIPs")
        } else {
            clusterIPs = addresses(spec.clusterIP.map { [$0] } ?? [], field: "spec.clusterIP")
        }
        let externalIPs = addresses(spec.externalIPs ?? [], field: "spec.externalIPs")
        let sourceRanges = Self.loadBalancerSourceRanges(service, log: &log)
        let loadBalancerIPs = sourceRanges == nil ? [] : Self.loadBalancerVIPs(service, log: &log)
        let ports = (spec.ports ?? []).enumerated().compactMap { index, port in
            Self.port(port, kind: kind, field: "spec.ports[\(index)]", key: key, log: &log)
        }

        // Kubernetes ignores externalTrafficPolicy where nothing outside reaches the Service.
        let externallyReachable = kind.servesNodePorts || !externalIPs.isEmpty || !loadBalancerIPs.isEmpty
        let effectiveExternal = externallyReachable ? essentials.externalPolicy : .cluster
        var healthCheckNodePort: UInt16?
        if kind == .loadBalancer, effectiveExternal == .local, let value = spec.healthCheckNodePort, value != 0 {
            healthCheckNodePort = portNumber(value)
            if healthCheckNodePort == nil {
                log.skip(.service, key, field: "spec.healthCheckNodePort", .outOfRange(value, 1...65535))
            }
        }

        self.spec = ServiceSpec(
            name: key, clusterIPs: clusterIPs, externalIPs: externalIPs, loadBalancerIPs: loadBalancerIPs,
            loadBalancerSourceRanges: sourceRanges ?? [], ports: ports.map(\.port), sessionAffinity: essentials.affinity,
            internalTrafficPolicy: essentials.internalPolicy, externalTrafficPolicy: effectiveExternal,
            healthCheckNodePort: healthCheckNodePort)
        joinKeys = ports.map { ($0.joinName, $0.port.protocol) }
    }

    /// What decides whether the Service is proxied at all, and where its traffic may go.
    private struct Essentials {
        var spec: KubernetesService.Spec
        var kind: ServiceKind
        var internalPolicy: TrafficPolicy
        var externalPolicy: TrafficPolicy
        var affinity: SessionAffinity?
    }

    private static func essentials(of service: KubernetesService) throws(FieldProblem) -> Essentials {
        guard let spec = service.spec else { throw FieldProblem(reason: .missingSpec) }
        guard let kind = ServiceKind(rawValue: spec.type ?? ServiceKind.clusterIP.rawValue) else {
            throw FieldProblem(field: "spec.type", reason: .unknownValue(spec.type ?? ""))
        }
        if kind == .externalName { throw FieldProblem(reason: .externalName) }
        switch spec.clusterIP {
        case "None": throw FieldProblem(reason: .headless)
        case nil, "": throw FieldProblem(reason: .noClusterIP)
        default: break
        }
        guard let internalPolicy = trafficPolicy(spec.internalTrafficPolicy) else {
            throw FieldProblem(field: "spec.internalTrafficPolicy", reason: .unknownValue(spec.internalTrafficPolicy ?? ""))
        }
        guard let externalPolicy = trafficPolicy(spec.externalTrafficPolicy) else {
            throw FieldProblem(field: "spec.externalTrafficPolicy", reason: .unknownValue(spec.externalTrafficPolicy ?? ""))
        }
        return Essentials(
            spec: spec, kind: kind, internalPolicy: internalPolicy, externalPolicy: externalPolicy,
            affinity: try sessionAffinity(spec).get())
    }

    /// `sessionAffinity: ClientIP` with its timeout, 10800 s when the config leaves it out (the
    /// API's default).
    private static func sessionAffinity(_ spec: KubernetesService.Spec) -> Result<SessionAffinity?, FieldProblem> {
        switch spec.sessionAffinity {
        case nil, "None": return .success(nil)
        case "ClientIP":
            let timeout = spec.sessionAffinityConfig?.clientIP?.timeoutSeconds ?? 10800
            guard (1...86400).contains(timeout) else {
                return .failure(
                    FieldProblem(field: "spec.sessionAffinityConfig.clientIP.timeoutSeconds", reason: .outOfRange(timeout, 1...86400)))
            }
            return .success(SessionAffinity(timeoutSeconds: UInt32(timeout)))
        case let other?:
            return .failure(FieldProblem(field: "spec.sessionAffinity", reason: .unknownValue(other)))
        }
    }

    /// The ingress IPs traffic arrives addressed to (`ipMode` VIP or absent). With `Proxy` the
    /// load balancer delivers to the node itself, so capturing the IP would be wrong.
    private static func loadBalancerVIPs(_ service: KubernetesService, log: inout SkipLog) -> [IPAddress] {
        let key = service.metadata.key
        return (service.status?.loadBalancer?.ingress ?? []).enumerated().compactMap { index, ingress in
            guard let text = ingress.ip, !text.isEmpty else { return nil }  // a hostname only: nothing to capture
            let field = "status.loadBalancer.ingress[\(index)]"
            switch ingress.ipMode.map({ IngressIPMode(rawValue: $0) }) {
            case nil, .vip?: break
            case .proxy?:
                log.skip(.service, key, field: field, .proxyModeIngress(text))
                return nil
            case nil?:
                log.skip(.service, key, field: "\(field).ipMode", .unknownValue(ingress.ipMode ?? ""))
                return nil
            }
            guard let address = IPAddress(text) else {
                log.skip(.service, key, field: field, .badAddress(text))
                return nil
            }
            return address
        }
    }

    /// The clients allowed to reach the load-balancer IPs: `spec.loadBalancerSourceRanges`, or
    /// where it is empty the older comma-separated annotation, as Kubernetes' cloud providers
    /// read them. Spaces around a range are trimmed (the API's validation lets them through)
    /// and host bits cleared, as kube-proxy does. Nil when a range does not parse: kube-proxy
    /// drops it, and with it gone the list may admit clients the Service does not (or, empty,
    /// every client), so the load-balancer IPs are not served at all.
    private static func loadBalancerSourceRanges(_ service: KubernetesService, log: inout SkipLog) -> [IPPrefix]? {
        let written: [(text: String, field: String)]
        if let listed = service.spec?.loadBalancerSourceRanges, !listed.isEmpty {
            written = listed.enumerated().map { index, text in (text, "spec.loadBalancerSourceRanges[\(index)]") }
        } else if let annotation = service.metadata.annotations?[LegacyAnnotation.loadBalancerSourceRanges],
            !annotation.trimmingWhitespace.isEmpty
        {
            let field = "metadata.annotations[\"\(LegacyAnnotation.loadBalancerSourceRanges)\"]"
            written = annotation.split(separator: ",", omittingEmptySubsequences: false).map { (String($0), field) }
        } else {
            return []
        }
        var ranges: [IPPrefix] = []
        var complete = true
        for (text, field) in written {
            guard let range = cidr(text.trimmingWhitespace) else {
                log.skip(.service, service.metadata.key, field: field, .badSourceRange(text))
                complete = false
                continue
            }
            ranges.append(range)
        }
        return complete ? ranges : nil
    }

    private struct ReadPort {
        var port: ServicePort
        var joinName: String
    }

    private static func port(
        _ port: KubernetesService.Port, kind: ServiceKind, field: String, key: String,
        log: inout SkipLog
    ) -> ReadPort? {
        guard let proto = transportProtocol(port.protocol) else {
            log.skip(.service, key, field: field, .unknownProtocol(port.protocol ?? ""))
            return nil
        }
        guard let value = port.port else {
            log.skip(.service, key, field: field, .missingPort)
            return nil
        }
        guard let number = portNumber(value) else {
            log.skip(.service, key, field: field, .outOfRange(value, 1...65535))
            return nil
        }
        var nodePort: UInt16?
        if kind.servesNodePorts, let value = port.nodePort, value != 0 {
            guard let number = portNumber(value) else {
                log.skip(.service, key, field: "\(field).nodePort", .outOfRange(value, 1...65535))
                return nil
            }
            nodePort = number
        }
        // The endpoints' numbers come from their slices; a numeric targetPort is kept for reports.
        var targetPort: UInt16?
        if case .int(let target)? = port.targetPort { targetPort = portNumber(target) }
        let name = port.name ?? ""
        return ReadPort(
            port: ServicePort(
                name: name.isEmpty ? nil : name, port: number, targetPort: targetPort,
                protocol: proto, nodePort: nodePort),
            joinName: name)
    }
}

/// Why an object is left out whole, and the field that says so (nil: the object as such).
struct FieldProblem: Error {
    var field: String?
    var reason: SkipReason
}
