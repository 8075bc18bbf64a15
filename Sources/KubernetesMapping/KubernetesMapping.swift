import IPVSCore
import KubernetesAPI

/// Kubernetes Services and EndpointSlices to the desired model, with kube-proxy's semantics
/// (IPVS mode), pure: the same snapshot always gives the same state.
///
/// - A Service is proxied unless it is headless (`clusterIP: None`), has no cluster IP, or is
///   `ExternalName`. Each port becomes virtual services on every cluster IP (dual-stack:
///   `clusterIPs`), external IP and load-balancer ingress IP (`ipMode` VIP or absent), and for
///   `NodePort` and `LoadBalancer` Services on this node's `InternalIP`/`ExternalIP` addresses
///   at its `nodePort`.
/// - Slices join their Service by namespace and the `kubernetes.io/service-name` label; FQDN
///   slices are ignored. See ``EndpointJoin`` for ports and duplicates.
/// - `internalTrafficPolicy` and `externalTrafficPolicy` (absent: `Cluster`) become the
///   policies; the external one only where something outside reaches the Service.
///   `trafficDistribution` is not read: it reaches proxies only as the slices' hints, which
///   endpoints carry.
/// - `healthCheckNodePort` only for `LoadBalancer` with `externalTrafficPolicy: Local`;
///   `sessionAffinity: ClientIP` becomes persistence with its timeout.
/// - Our annotations (``ServiceAnnotation``) set what Kubernetes has no field for.
///
/// - `loadBalancerSourceRanges` (or, where it is empty, the older annotation
///   `service.beta.kubernetes.io/load-balancer-source-ranges`) become the Service's allowed
///   clients, which the packet filter enforces; this node's `spec.podCIDRs` (or `podCIDR`) its
///   pod ranges.
///
/// One bad object (or part of one) is left out with its reason; the rest is unaffected. A bad
/// address (cluster, external, ingress, endpoint or node) or pod range leaves out that address
/// or range only. A source range that does not parse leaves out the Service's load-balancer
/// IPs: served with the rest of the allow-list, they would admit clients the Service does not.
public enum KubernetesMapping {
    /// - Parameters:
    ///   - nodeName: this node's name: its endpoints are the local ones; its addresses and zone
    ///     come from `snapshot.node`.
    ///   - base: what the cluster's services are added to (the interface, kernel settings), and
    ///     its `defaults` for what Kubernetes has no field for.
    ///
    /// Maps everything afresh; a source that follows changes keeps an ``IncrementalMapping``.
    public static func map(_ snapshot: ClusterSnapshot, nodeName: String, base: DesiredState = DesiredState()) -> MappingResult {
        var mapping = IncrementalMapping(nodeName: nodeName)
        return mapping.map(snapshot, changed: ChangedObjects(), base: base)
    }
}

extension KubernetesMapping {
    /// One Service complete: its endpoints joined, the settings of its annotations applied.
    static func serviceSpec(
        _ read: ReadService, slices: [ReadSlice], reader: inout AnnotationReader,
        defaults: ServiceDefaults
    ) -> ServiceSpec {
        var spec = read.spec
        let settings = AnnotatedSettings(reading: &reader, defaults: defaults, protocols: spec.ports.map(\.protocol))
        spec.endpoints = EndpointJoin.endpoints(of: slices, servicePorts: read.joinKeys).map { endpoint in
            var endpoint = endpoint
            endpoint.weight = defaults.weight
            endpoint.healthCheck = settings.healthCheck
            return endpoint
        }
        settings.apply(to: &spec)
        // Direct routing and tunnels deliver packets unchanged: with an endpoint on another
        // port than its Service port, only masquerading reaches it.
        if !spec.forwarding.translatesPorts, let mismatch = spec.portTranslated {
            reader.report(.forwarding, "\(mismatch), and only masquerade translates ports; masquerade is used")
            spec.forwarding = .masquerade
        }
        return spec
    }
}

extension ForwardingMethod {
    /// Masquerading rewrites the destination port; direct routing and tunnels deliver the
    /// packet as it came.
    var translatesPorts: Bool { self == .masquerade }
}

extension ServiceSpec {
    /// A port whose endpoints listen on another number than the Service's, described; nil when
    /// every endpoint listens on the Service port.
    var portTranslated: String? {
        for port in ports {
            for endpoint in endpoints {
                if let target = endpoint.targetPort(for: port), target != port.port {
                    return "port \(port.port) reaches \(endpoint.address) on \(target)"
                }
            }
        }
        return nil
    }
}
