import ArgumentParser
import Config
import IPVSCore

#if canImport(FoundationEssentials)
    import FoundationEssentials
#else
    import Foundation
#endif

/// Options of the commands that read the desired state and plan against the kernel.
struct ReconcileOptions: ParsableArguments {
    @Option(
        name: .shortAndLong,
        help: """
            The config file (YAML). With --kubernetes or --kubeconfig it is optional and gives only what Kubernetes has no field for (interface, nodes, kernel settings, defaults).
            """)
    var config: String?

    @OptionGroup var kubernetes: KubernetesOptions

    @Option(help: "This node's name (default: the config's `node`, else the host name).")
    var node: String?

    @Option(help: "Where the ledger of owned objects lives.")
    var stateDir = "/var/lib/ipvsctl-swift"

    func validate() throws {
        if config == nil && !kubernetes.isEnabled {
            throw ValidationError("Missing expected argument '--config <config>' (or --kubernetes / --kubeconfig)")
        }
    }

    /// The config, or a CLIError listing every problem with file:line:column. Without a file
    /// (the Kubernetes source), the built-in defaults.
    func loadConfig() throws -> DesiredState {
        guard let config else { return DesiredState() }
        do {
            return try ConfigLoader.load(contentsOf: config, servicesFrom: origin)
        } catch {
            throw CLIError(error.description)
        }
    }

    /// Whether the file declares the services, or only the rest under the Kubernetes source.
    private var origin: ConfigLoader.ServiceOrigin { kubernetes.isEnabled ? .kubernetes : .file }

    /// ``loadConfig()`` kept for reloads (the agent's): nil without a file.
    func loadConfigSession() throws -> ConfigSession? {
        guard let config else { return nil }
        do {
            return try ConfigSession(loading: config, servicesFrom: origin)
        } catch {
            throw CLIError(error.description)
        }
    }

    func nodeName(for state: DesiredState) -> String {
        Self.nodeName(option: node, state: state)
    }

    /// `--node`, else the config's `node`, else the short host name.
    static func nodeName(option: String?, state: DesiredState) -> String {
        if let option { return option }
        if let node = state.node { return node }
        return ProcessInfo.processInfo.hostName.split(separator: ".").first.map(String.init) ?? "localhost"
    }
}
