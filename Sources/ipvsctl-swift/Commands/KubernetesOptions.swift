import ArgumentParser

/// Options that make the Kubernetes API the source of services (`run`, `diff`, `apply`).
struct KubernetesOptions: ParsableArguments {
    @Flag(
        help:
            "Read Services and EndpointSlices from the Kubernetes API, in-cluster: KUBERNETES_SERVICE_HOST/_PORT and the service account's token and CA."
    )
    var kubernetes = false

    @Option(help: ArgumentHelp("Read Services and EndpointSlices from the Kubernetes API this kubeconfig names.", valueName: "file"))
    var kubeconfig: String?

    @Option(help: ArgumentHelp("The kubeconfig context to use (default: its current-context).", valueName: "name"))
    var context: String?

    @Option(
        help: ArgumentHelp(
            """
            Serve only the Services labelled service.kubernetes.io/service-proxy-name=NAME, which kube-proxy skips, so that \
            both run side by side. Without it, every Service kube-proxy would serve.
            """, valueName: "name"))
    var serviceProxyName: String?

    /// Whether services come from the Kubernetes API.
    var isEnabled: Bool { kubernetes || kubeconfig != nil }

    func validate() throws {
        if kubernetes && kubeconfig != nil {
            throw ValidationError("--kubernetes (in-cluster) and --kubeconfig exclude each other: pick one")
        }
        if !isEnabled && (context != nil || serviceProxyName != nil) {
            throw ValidationError("--context and --service-proxy-name need --kubernetes or --kubeconfig")
        }
        if context != nil && kubeconfig == nil {
            throw ValidationError("--context needs --kubeconfig")
        }
    }
}
