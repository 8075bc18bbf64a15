import ArgumentParser
import Config
import Foundation
import IPVSCore

/// Options of the commands that read a config file and plan against the kernel.
struct ReconcileOptions: ParsableArguments {
    @Option(name: .shortAndLong, help: "The config file (YAML).")
    var config: String

    @Option(help: "This node's name (default: the config's `node`, else the host name).")
    var node: String?

    @Option(help: "Where the ledger of owned objects lives.")
    var stateDir = "/var/lib/ipvsctl-swift"

    /// The config, or a CLIError listing every problem with file:line:column.
    func loadConfig() throws -> DesiredState {
        do {
            return try ConfigLoader.load(contentsOf: config)
        } catch {
            throw CLIError(error.description)
        }
    }

    func nodeName(for state: DesiredState) -> String {
        if let node { return node }
        if let node = state.node { return node }
        return ProcessInfo.processInfo.hostName.split(separator: ".").first.map(String.init) ?? "localhost"
    }
}
