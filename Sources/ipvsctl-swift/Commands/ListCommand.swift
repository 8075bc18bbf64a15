import ArgumentParser
import IPVSCore
import IPVSNetlink
import Logging
import Reconciler

struct ListCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "list",
        abstract: "Prints the kernel's IPVS table, like `ipvsadm -Ln`."
    )

    enum OutputFormat: String, ExpressibleByArgument, CaseIterable {
        case text, json
    }

    @OptionGroup var kernel: KernelOptions

    @Option(help: "text or json.")
    var output: OutputFormat = .text

    @Flag(help: "Show traffic counters instead of connection counts.")
    var stats = false

    func run() throws {
        let client: IPVSClient
        let table: [ObservedTableEntry]
        let info: IPVSInfo
        do {
            client = try IPVSClient(configuration: kernel.clientConfiguration)
            info = try client.info()
            table = try client.table()
        } catch {
            throw CLIError("\(error)")
        }
        switch output {
        case .text:
            print(TableText.render(table, info: info, statistics: stats), terminator: "")
        case .json:
            print(try TableJSON.render(table, info: info))
        }
    }
}

/// An error already worded for the operator: printed as is, exit status 1.
struct CLIError: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}

extension KernelOptions {
    /// The reconciler for this namespace's kernel, with its ledger in `stateDirectory`.
    func reconciler(stateDirectory: String) throws -> Reconciler {
        do {
            let client = try IPVSClient(configuration: clientConfiguration)
            return Reconciler(table: client, addresses: try addressTable(), sysctls: NamespaceSysctls(namespace: clientConfiguration.namespace),
                              ledgerStore: LedgerStore(directory: stateDirectory),
                              logger: Logger(label: "ipvsctl"))
        } catch {
            throw CLIError("\(error)")
        }
    }

    var clientConfiguration: IPVSClient.Configuration {
        let namespace = self.namespace.map { name in
            name.contains("/") ? NetworkNamespace(path: name) : NetworkNamespace.named(name)
        }
        return IPVSClient.Configuration(namespace: namespace, timeout: .seconds(timeout))
    }
}
