/// The changes that take our netfilter table from what it holds to what is desired. Minimal:
/// elements are added and deleted one by one; the table is made, re-made or deleted whole only
/// when it is missing, drifted in structure, or no longer needed.
public enum PacketFilterPlanner {
    public struct Outcome: Hashable, Sendable {
        public var changes: [Change]
        /// Whether we own the table once the changes are made.
        public var owned: Bool
        /// A table of our name that the ledger does not record: never touched unless adopted.
        public var foreign: Bool
    }

    /// - Parameters:
    ///   - observed: our table as read, nil when there is none.
    ///   - owned: the ledger says we made it.
    public static func plan(desired: DesiredPacketFilter, observed: ObservedPacketFilter?, owned: Bool, adopt: Bool) -> Outcome {
        guard let observed else {
            guard !desired.isEmpty else { return Outcome(changes: [], owned: false, foreign: false) }
            return Outcome(changes: [.createPacketFilter] + additions(of: desired.elements), owned: true, foreign: false)
        }
        guard owned || adopt else { return Outcome(changes: [], owned: false, foreign: true) }
        if desired.isEmpty {
            return Outcome(changes: [.deletePacketFilter], owned: false, foreign: false)
        }
        if let drift = observed.structureDrift {
            return Outcome(changes: [.repairPacketFilter(reason: drift)] + additions(of: desired.elements), owned: true, foreign: false)
        }
        var adds: [Change] = []
        var deletes: [Change] = []
        for set in PacketFilterSetID.all {
            let want = desired.elements[set] ?? []
            let have = observed.elements[set] ?? []
            deletes += have.subtracting(want).sorted().map { .deleteFilterElement($0, set: set) }
            adds += want.subtracting(have).sorted().map { .addFilterElement($0, set: set) }
        }
        // Deletions first: an interval set refuses a range that overlaps one still there.
        return Outcome(changes: deletes + adds, owned: true, foreign: false)
    }

    private static func additions(of elements: [PacketFilterSetID: Set<PacketFilterElement>]) -> [Change] {
        elements.keys.sorted().flatMap { set in elements[set, default: []].sorted().map { Change.addFilterElement($0, set: set) } }
    }
}
