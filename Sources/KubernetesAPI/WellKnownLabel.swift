/// Label keys that Kubernetes itself gives a meaning to.
public enum WellKnownLabel {
    /// On an EndpointSlice: the name of the Service it belongs to (same namespace).
    public static let serviceName = "kubernetes.io/service-name"
    /// On a Node: its zone, which topology hints name.
    public static let zone = "topology.kubernetes.io/zone"
}
