/// Refusals that protect a fleet from a bad input: too many deletions at once, or a desired
/// state that came out empty while we own a non-empty table (a truncated config, a broken
/// source). Both can be overridden deliberately.
public enum PlanGuards {
    public struct Limits: Hashable, Sendable {
        /// Most deletions (virtual services, real servers, addresses) one apply may make.
        public var maximumDeletions: Int
        /// Skip the guards.
        public var force: Bool

        public static let defaultMaximumDeletions = 500

        public init(maximumDeletions: Int = Limits.defaultMaximumDeletions, force: Bool = false) {
            self.maximumDeletions = maximumDeletions
            self.force = force
        }
    }

    public enum Violation: Hashable, Sendable, CustomStringConvertible {
        case tooManyDeletions(planned: Int, limit: Int)
        case wouldEmptyTable(ownedServices: Int)
        case collisions([ForeignVirtualService])
        /// A netfilter table of our name exists and the ledger does not say we made it.
        case foreignPacketFilter(table: String)
        /// The declared kernel settings contradict what the packet path needs.
        case kernelSettingConflict(String)

        public var description: String {
            switch self {
            case .tooManyDeletions(let planned, let limit):
                "the plan deletes \(planned) objects, more than --max-delete \(limit); check the config, or raise the limit or use --force"
            case .wouldEmptyTable(let owned):
                "the desired state is empty but \(owned) virtual services we own would be deleted; use --force if that is intended"
            case .collisions(let entries):
                "\(entries.count) declared virtual service(s) already exist and are not ours: "
                    + entries.map { "\($0.service.key) (wanted by \($0.collidesWith ?? "?"))" }.joined(separator: ", ")
                    + "; use --adopt to take them over"
            case .foreignPacketFilter(let table):
                "the nftables table \(table) exists but the ledger does not say we made it; use --adopt to take it over"
            case .kernelSettingConflict(let reason):
                reason
            }
        }
    }

    public static func check(_ plan: Plan, desired: DesiredKernelState, ownedServices: Int, limits: Limits) -> [Violation] {
        var violations: [Violation] = []
        if !plan.collisions.isEmpty { violations.append(.collisions(plan.collisions)) }
        if plan.foreignPacketFilter { violations.append(.foreignPacketFilter(table: PacketFilterSet.tableName)) }
        guard !limits.force else { return violations }
        if desired.virtualServices.isEmpty && ownedServices > 0 {
            violations.append(.wouldEmptyTable(ownedServices: ownedServices))
        }
        if plan.deletionCount > limits.maximumDeletions {
            violations.append(.tooManyDeletions(planned: plan.deletionCount, limit: limits.maximumDeletions))
        }
        return violations
    }
}
