import IPVSCore
import Nftables
import Reconciler
import Synchronization

/// Our nftables table in memory, applying a transaction whole or refusing it whole as the
/// kernel does, for unit-testing the executor. The kernel-lab tests use the real one.
public final class InMemoryPacketFilter: PacketFilterTable {
    private struct State {
        var table: ObservedPacketFilter?
        var transactions = 0
        var refuseNext = false
    }

    private let state = Mutex(State())

    public init(table: ObservedPacketFilter? = nil) {
        state.withLock { $0.table = table }
    }

    public var table: ObservedPacketFilter? { state.withLock { $0.table } }
    /// Transactions applied (dry runs and refusals not counted).
    public var transactionCount: Int { state.withLock { $0.transactions } }

    /// The next transaction is refused, as the kernel refuses one with a bad element.
    public func refuseNextTransaction() {
        state.withLock { $0.refuseNext = true }
    }

    public func read() throws(NftablesError) -> ObservedPacketFilter? { table }

    public func apply(_ changes: [Change], dryRun: Bool) throws(NftablesError) {
        try state.withLock { (state: inout State) throws(NftablesError) in
            if state.refuseNext {
                state.refuseNext = false
                throw NftablesError(
                    .transactionRefused, "the kernel refused the nftables transaction; none of it was applied",
                    detail: "Error: Could not process rule: No such file or directory")
            }
            guard !dryRun else { return }
            // Taken out so that the sets are changed in place, not copied whole on every apply.
            var table = state.table
            state.table = nil
            for change in changes {
                switch change {
                case .createPacketFilter, .repairPacketFilter: table = ObservedPacketFilter()
                case .deletePacketFilter: table = nil
                case .addFilterElement(let element, let set): table?.elements[set, default: []].insert(element)
                case .deleteFilterElement(let element, let set): table?.elements[set]?.remove(element)
                default: continue
                }
            }
            if var kept = table {
                kept.elements = kept.elements.filter { !$0.value.isEmpty }
                table = kept
            }
            state.table = table
            state.transactions += 1
        }
    }
}
