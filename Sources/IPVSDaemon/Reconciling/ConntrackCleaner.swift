import Conntrack
import Dispatch
import Logging

/// Deletes the conntrack entries of UDP backends that left, on a thread of its own, after the
/// pass that removed them.
///
/// Why not in the pass: the library dumps the whole conntrack table to find a backend's entries
/// (it filters dumps by family, mark and status only), and a busy node holds tens of thousands
/// of TCP entries. Done in the pass, that dump delays the next pass, readiness after a restart
/// and shutdown; done here, the loop goes on and the entries go a moment later. Requests are
/// served in order; the one-shot `apply` deletes inline instead.
public final class ConntrackCleaner: Sendable {
    private let table: any ConntrackTable
    private let queue = DispatchQueue(label: "ipvsctl.conntrack-cleaner", qos: .utility)
    private let logger: Logger

    public init(table: any ConntrackTable, logger: Logger) {
        self.table = table
        self.logger = logger
    }

    /// Queues the deletion of `flows`' entries; returns at once.
    public func clean(_ flows: [ConntrackFlowFilter]) {
        guard !flows.isEmpty else { return }
        queue.async { [table, logger] in
            do {
                let deleted = try table.deleteFlows(matching: flows)
                logger.debug(
                    "conntrack entries of removed UDP backends deleted",
                    metadata: [
                        "deleted": "\(deleted)", "backends": "\(flows.count)",
                    ])
            } catch {
                logger.warning("conntrack entries of removed UDP backends not deleted", metadata: ["error": "\(error)"])
            }
        }
    }
}
