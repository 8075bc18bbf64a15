import IPVSCore
import IPVSNetlink
import Logging

/// The conntrack table as a caller deletes from it. ``KernelConntrack`` is the real one.
public protocol ConntrackTable: Sendable {
    /// Deletes the entries matching any filter; returns how many were deleted.
    func deleteFlows(matching filters: [ConntrackFlowFilter]) throws(ConntrackError) -> Int
}

/// The kernel's conntrack table of `namespace` (nil: the process's own), through libnetfilter_conntrack.
///
/// Why: a UDP client that keeps its source port (a resolver) keeps matching the conntrack entry
/// of a backend that left the virtual service, and IPVS keeps sending it there until the entry
/// times out. Deleting that backend's entries, and only those, makes its next packet a new flow.
///
/// Each call opens one ctnetlink socket inside the namespace, dumps the table once whatever the
/// number of filters (only their address family when they share one: libnetfilter_conntrack
/// filters a dump by family, mark and status, not by protocol), matches every entry in Swift,
/// then deletes the matches one by one after the dump, since a handle takes no request while its
/// dump runs. Blocking I/O: call it off the cooperative pool.
public struct KernelConntrack: ConntrackTable {
    public var namespace: NetworkNamespace?
    public var logger: Logger

    public init(namespace: NetworkNamespace?, logger: Logger = Logger(label: "ipvsctl.conntrack")) {
        self.namespace = namespace
        self.logger = logger
    }

    /// Entries gone before their turn (`ENOENT`) are not counted and are no error. A deletion
    /// the kernel refuses does not stop the others: the first refusal is thrown after all were
    /// tried, saying how many were deleted.
    public func deleteFlows(matching filters: [ConntrackFlowFilter]) throws(ConntrackError) -> Int {
        let matcher = ConntrackFlowMatcher(filters)
        guard !matcher.isEmpty else { return 0 }
        let handle = try ConntrackHandle(namespace: namespace)
        let matches = try handle.matches(of: matcher, family: matcher.family)
        var deleted = 0
        var firstFailure: ConntrackError?
        for match in matches {
            do throws(ConntrackError) {
                if try handle.delete(match) { deleted += 1 }
            } catch {
                firstFailure = firstFailure ?? error
            }
        }
        if var failure = firstFailure {
            failure.message += "; \(deleted) of \(matches.count) matching entries were deleted"
            throw failure
        }
        if deleted > 0 {
            logger.info(
                "conntrack entries deleted",
                metadata: [
                    "deleted": "\(deleted)", "filters": "\(filters.count)", "namespace": "\(namespace?.path ?? "own")",
                ])
        }
        return deleted
    }
}
