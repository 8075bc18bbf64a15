/// Label keys that Kubernetes itself gives a meaning to.
public enum WellKnownLabel {
    /// On an EndpointSlice: the name of the Service it belongs to (same namespace).
    public static let serviceName = "kubernetes.io/service-name"
    /// On a Node: its zone, which topology hints name.
    public static let zone = "topology.kubernetes.io/zone"
    /// On a Service (and so its EndpointSlices): the proxy that serves it; kube-proxy serves
    /// only Services without it.
    public static let serviceProxyName = "service.kubernetes.io/service-proxy-name"
    /// On a headless Service's EndpointSlices: no virtual IP, nothing for a proxy to do.
    public static let headless = "service.kubernetes.io/headless"
}
