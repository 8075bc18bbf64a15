#if canImport(FoundationEssentials)
    import FoundationEssentials
#else
    import Foundation
#endif

/// Loads ``KubernetesCredentials`` inside a pod: the API server from `KUBERNETES_SERVICE_HOST`
/// and `KUBERNETES_SERVICE_PORT`, the CA and the service account's token from the directory
/// the kubelet mounts.
public enum InClusterLoader {
    public static let defaultDirectory = "/var/run/secrets/kubernetes.io/serviceaccount"

    /// Reads `ca.crt` and checks that `token` is readable (blocking: call at start-up). The
    /// token itself is re-read as the kubelet rotates it.
    ///
    /// - Parameters:
    ///   - environment: the process environment, or a test's.
    ///   - directory: where `token` and `ca.crt` are; the mount point unless a test says otherwise.
    public static func load(
        environment: [String: String] = ProcessInfo.processInfo.environment,
        directory: String = defaultDirectory
    ) throws(KubernetesConfigError) -> KubernetesCredentials {
        guard let host = environment["KUBERNETES_SERVICE_HOST"], !host.isEmpty else {
            throw KubernetesConfigError(
                .notInCluster,
                "in-cluster: KUBERNETES_SERVICE_HOST is not set: not running in a pod",
                key: "KUBERNETES_SERVICE_HOST")
        }
        guard let port = environment["KUBERNETES_SERVICE_PORT"], !port.isEmpty else {
            throw KubernetesConfigError(
                .notInCluster,
                "in-cluster: KUBERNETES_SERVICE_PORT is not set: not running in a pod",
                key: "KUBERNETES_SERVICE_PORT")
        }
        guard let portNumber = Int(port), (1...65535).contains(portNumber) else {
            throw KubernetesConfigError(
                .invalidValue, "in-cluster: KUBERNETES_SERVICE_PORT '\(port)' is not a port",
                key: "KUBERNETES_SERVICE_PORT")
        }
        let authority = try CredentialFile.read(
            CredentialFile.resolve("ca.crt", against: directory),
            role: "service account CA", context: "in-cluster")
        let tokenPath = CredentialFile.resolve("token", against: directory)
        _ = try CredentialFile.read(tokenPath, role: "service account token", context: "in-cluster")
        // An IPv6 address goes in brackets in a URL.
        let bracketed = host.contains(":") && !host.hasPrefix("[") ? "[\(host)]" : host
        return KubernetesCredentials(
            server: "https://\(bracketed):\(portNumber)", certificateAuthorityPEM: authority,
            token: .file(path: tokenPath), origin: "in-cluster")
    }
}

extension KubernetesCredentials {
    /// ``KubeconfigLoader/load(path:context:allowInsecure:)`` off the caller's thread.
    public static func fromKubeconfig(
        path: String, context: String? = nil, allowInsecure: Bool = false
    )
        async throws -> KubernetesCredentials
    {
        try await BlockingIO.run {
            try KubeconfigLoader.load(path: path, context: context, allowInsecure: allowInsecure)
        }
    }

    /// ``InClusterLoader/load(environment:directory:)`` off the caller's thread.
    public static func inCluster(
        environment: [String: String] = ProcessInfo.processInfo.environment,
        directory: String = InClusterLoader.defaultDirectory
    ) async throws -> KubernetesCredentials {
        try await BlockingIO.run {
            try InClusterLoader.load(environment: environment, directory: directory)
        }
    }
}
