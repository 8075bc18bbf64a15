import IPVSCore
import IPVSNetlink
import Reconciler

extension KernelOptions {
    /// The addresses of the VIP interface, in the same namespace as the IPVS table.
    func addressTable() throws -> (any AddressTable)? {
        nil  // wired to rtnetlink once the address client lands
    }
}
