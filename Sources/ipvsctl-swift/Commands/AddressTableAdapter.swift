import IPVSCore
import IPVSNetlink
import Reconciler

extension KernelOptions {
    /// The addresses of the VIP interface, in the same namespace as the IPVS table.
    func addressTable() throws -> any AddressTable {
        try InterfaceAddressClient(configuration: .init(namespace: clientConfiguration.namespace, timeout: .seconds(timeout)))
    }
}
