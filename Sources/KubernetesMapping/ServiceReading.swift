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
        func skip(field: String? = nil, _ reason: SkipReason) {
            log.skip(.service, key, field: field, reason)
        }
        guard let spec = service.spec else { skip(.missingSpec); return nil }
        guard let kind = ServiceKind(rawValue: spec.type ?? ServiceKind.clusterIP.rawValue) else {
            skip(field: "spec.type", .unknownValue(spec.type ?? "")); return nil
        }
        if kind == .externalName { skip(.externalName); return nil }
        switch spec.clusterIP {
        case "None": skip(.headless); return nil
        case nil, "": skip(.noClusterIP); return nil
        default: break
        }
        guard let internalPolicy = trafficPolicy(spec.internalTrafficPolicy) else {
            skip(field: "spec.internalTrafficPolicy", .unknownValue(spec.internalTrafficPolicy ?? "")); return nil
        }
        guard let externalPolicy = trafficPolicy(spec.externalTrafficPolicy) else {
            skip(field: "spec.externalTrafficPolicy", .unknownValue(spec.externalTrafficPolicy ?? "")); return nil
        }
        let affinity: SessionAffinity?
        switch Self.sessionAffinity(spec) {
        case .success(let value): affinity = value
        case .failure(let problem): skip(field: problem.field, problem.reason); return nil
        }

        func addresses(_ texts: [String], field: String) -> [IPAddress] {
            texts.enumerated().compactMap { index, text in
                guard let address = IPAddress(text) else {
                    log.skip(.service, key, field: "\(field)[\(index)]", .badAddress(text))
                    return nil
                }
                return address
            }
        }
        let clusterIPs = addresses(spec.clusterIPs.flatMap { $0.isEmpty ? nil : $0 } ?? [spec.clusterIP].compactMap { $0 },
                                   field: spec.clusterIPs?.isEmpty == false ? "spec.clusterIPs" : "spec.clusterIP")
        let externalIPs = addresses(spec.externalIPs ?? [], field: "spec.externalIPs")
        let loadBalancerIPs = Self.loadBalancerVIPs(service, log: &log)
        let ports = (spec.ports ?? []).enumerated().compactMap { index, port in
            Self.port(port, kind: kind, field: "spec.ports[\(index)]", key: key, log: &log)
        }

        // Kubernetes ignores externalTrafficPolicy where nothing outside reaches the Service.
        let externallyReachable = kind.servesNodePorts || !externalIPs.isEmpty || !loadBalancerIPs.isEmpty
        let effectiveExternal = externallyReachable ? externalPolicy : .cluster
        var healthCheckNodePort: UInt16?
        if kind == .loadBalancer, effectiveExternal == .local, let value = spec.healthCheckNodePort, value != 0 {
            healthCheckNodePort = portNumber(value)
            if healthCheckNodePort == nil {
                log.skip(.service, key, field: "spec.healthCheckNodePort", .outOfRange(value, 1...65535))
            }
        }

        self.spec = ServiceSpec(
            name: key, clusterIPs: clusterIPs, externalIPs: externalIPs, loadBalancerIPs: loadBalancerIPs,
            ports: ports.map(\.port), sessionAffinity: affinity,
            internalTrafficPolicy: internalPolicy, externalTrafficPolicy: effectiveExternal,
            healthCheckNodePort: healthCheckNodePort)
        joinKeys = ports.map { ($0.joinName, $0.port.protocol) }
    }

    /// `sessionAffinity: ClientIP` with its timeout, 10800 s when the config leaves it out (the
    /// API's default).
    private static func sessionAffinity(_ spec: KubernetesService.Spec) -> Result<SessionAffinity?, FieldProblem> {
        switch spec.sessionAffinity {
        case nil, "None": return .success(nil)
        case "ClientIP":
            let timeout = spec.sessionAffinityConfig?.clientIP?.timeoutSeconds ?? 10800
            guard (1...86400).contains(timeout) else {
                return .failure(FieldProblem(field: "spec.sessionAffinityConfig.clientIP.timeoutSeconds", reason: .outOfRange(timeout, 1...86400)))
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

    private struct ReadPort {
        var port: ServicePort
        var joinName: String
    }

    private static func port(_ port: KubernetesService.Port, kind: ServiceKind, field: String, key: String,
                             log: inout SkipLog) -> ReadPort? {
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
        return ReadPort(port: ServicePort(name: name.isEmpty ? nil : name, port: number, targetPort: targetPort,
                                          protocol: proto, nodePort: nodePort),
                        joinName: name)
    }
}

/// A field whose value leaves its object out.
struct FieldProblem: Error {
    var field: String
    var reason: SkipReason
}
