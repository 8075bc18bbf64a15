import IPVSCore
import IPVSDaemon
import KubernetesClient
import KubernetesMapping
import Logging

extension KubernetesOptions {
    /// A client for the API server the options name: in-cluster, or a kubeconfig's context.
    func client(logger: Logger) async throws -> KubernetesHTTPClient {
        do {
            let credentials =
                if let kubeconfig {
                    try await KubernetesCredentials.fromKubeconfig(path: kubeconfig, context: context)
                } else {
                    try await KubernetesCredentials.inCluster()
                }
            return try KubernetesHTTPClient(credentials: credentials, logger: logger)
        } catch {
            throw CLIError("\(error)")
        }
    }

    func sourceConfiguration(node: String) -> KubernetesSource.Configuration {
        KubernetesSource.Configuration(node: node, serviceProxyName: serviceProxyName)
    }

    /// The desired state from one consistent list of the API, over `base` (the file's settings).
    func listOnce(node: String, base: DesiredState, logger: Logger) async throws -> DesiredState {
        let client = try await client(logger: logger)
        let result: MappingResult
        do {
            result = try await KubernetesSource.listOnce(sourceConfiguration(node: node), client: client, base: base)
        } catch {
            try? await client.shutdown()  // AsyncHTTPClient wants it before the client goes
            throw CLIError("cannot list from the Kubernetes API: \(error)")
        }
        try? await client.shutdown()
        for problem in result.skipped where problem.reason.isProblem {
            logger.warning("Kubernetes object skipped", metadata: ["problem": "\(problem)"])
        }
        for problem in result.annotationProblems {
            logger.warning("annotation not used", metadata: ["problem": "\(problem)"])
        }
        return result.state
    }
}
