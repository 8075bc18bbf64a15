import ArgumentParser
import Conntrack
import IPVSCore
import IPVSNetlink
import Logging
import Nftables
import Reconciler

/// Options every command that talks to the kernel shares.
struct KernelOptions: ParsableArguments {
    @Option(name: .customLong("netns"), help: "Network namespace to act in (a name from `ip netns`, or a path).")
    var namespace: String?

    @Option(help: "Seconds any one kernel operation may take.")
    var timeout: Int = 30
}

extension KernelOptions {
    /// The reconciler for this namespace's kernel, with its ledger in `stateDirectory`.
    func reconciler(stateDirectory: String) throws -> Reconciler {
        do {
            let client = try IPVSClient(configuration: clientConfiguration)
            return Reconciler(
                table: client, addresses: try addressTable(), sysctls: NamespaceSysctls(namespace: clientConfiguration.namespace),
                packetFilter: NftablesClient(namespace: clientConfiguration.namespace),
                conntrack: KernelConntrack(namespace: clientConfiguration.namespace), ledgerStore: LedgerStore(directory: stateDirectory),
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

    /// The addresses of the VIP interface, in the same namespace as the IPVS table.
    func addressTable() throws -> any AddressTable {
        try InterfaceAddressClient(configuration: .init(namespace: clientConfiguration.namespace, timeout: .seconds(timeout)))
    }
}
