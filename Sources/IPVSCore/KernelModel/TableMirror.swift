/// The kernel's IPVS table as the agent last read it, with every change it has written since:
/// what an event-scoped pass plans against instead of reading the whole table again.
///
/// Only as good as the writes recorded in it: a change the kernel refused, a conversation that
/// broke, or someone else's edit makes it stale, and the next full read replaces it. It keeps
/// what the planner reads: configurations and the active and inactive connection counts (those
/// of the read, at most 65,535 each; a recorded create starts at zero). Not the persistent
/// connections nor the traffic counters: 84 bytes a real server kept between passes for nothing
/// (`/metrics` reads the kernel for its own).
public struct TableMirror: Hashable, Sendable {
    /// A real server as mirrored: its configuration and the connection counts that decide
    /// whether a removal drains.
    ///
    /// The planner asks only whether both counts are zero, and they are as old as the last full
    /// read: 16 bits each, saturating, keep that answer and fit the padding of the server's 40
    /// bytes, where two 32-bit counts made the entry 48.
    struct RealServerEntry: Hashable, Sendable {
        var server: RealServer
        var activeConnections: UInt16
        var inactiveConnections: UInt16

        init(_ observed: ObservedRealServer) {
            server = observed.server
            activeConnections = UInt16(clamping: observed.activeConnections)
            inactiveConnections = UInt16(clamping: observed.inactiveConnections)
        }

        var observed: ObservedRealServer {
            ObservedRealServer(
                server: server, activeConnections: UInt32(activeConnections), inactiveConnections: UInt32(inactiveConnections))
        }
    }

    /// A virtual service as mirrored, with its real servers (newest first, as the kernel lists them).
    struct Entry: Hashable, Sendable {
        var service: VirtualService
        var realServers: [RealServerEntry]

        var observed: ObservedTableEntry {
            ObservedTableEntry(virtualService: ObservedVirtualService(service: service), realServers: realServers.map(\.observed))
        }
    }

    private var mirrored: [VirtualServiceKey: Entry]

    public init(_ table: [ObservedTableEntry]) {
        mirrored = Dictionary(
            table.map { entry in
                (
                    entry.virtualService.service.key,
                    Entry(service: entry.virtualService.service, realServers: entry.realServers.map(RealServerEntry.init))
                )
            }, uniquingKeysWith: { first, _ in first })
    }

    /// The entries of `keys` that the kernel holds, persistent connections and traffic counters zero.
    public func entries(for keys: some Sequence<VirtualServiceKey>) -> [VirtualServiceKey: ObservedTableEntry] {
        var found: [VirtualServiceKey: ObservedTableEntry] = [:]
        for key in keys { found[key] = mirrored[key]?.observed }
        return found
    }

    /// Every entry, persistent connections and traffic counters zero: the whole table, built
    /// anew on each call.
    public var table: [VirtualServiceKey: ObservedTableEntry] { mirrored.mapValues(\.observed) }

    /// Records changes the kernel accepted. Address, setting and packet-filter changes are not
    /// part of the IPVS table and leave it as it is.
    public mutating func record(_ applied: some Sequence<Change>) {
        for change in applied { record(change) }
    }

    mutating func record(_ change: Change) {
        switch change {
        case .createVirtualService(let service):
            mirrored[service.key] = Entry(service: service, realServers: [])
        case .updateVirtualService(_, let service):
            mirrored[service.key]?.service = service
        case .deleteVirtualService(let service, _):
            mirrored[service.key] = nil
        case .createRealServer(let server, let key):
            // The kernel lists a service's real servers newest first.
            mirrored[key]?.realServers.insert(RealServerEntry(ObservedRealServer(server: server)), at: 0)
        case .updateRealServer(_, let server, let key):
            updateRealServer(server.key, in: key) { $0.server = server }
        case .drainRealServer(let observed, let key, _):
            updateRealServer(observed.server.key, in: key) { $0.server.weight = 0 }
        case .deleteRealServer(let observed, let key):
            mirrored[key]?.realServers.removeAll { $0.server.key == observed.server.key }
        case .addAddress, .removeAddress, .setTimeouts, .setSysctl, .createPacketFilter, .repairPacketFilter, .deletePacketFilter,
            .addFilterElement, .deleteFilterElement:
            break
        }
    }

    private mutating func updateRealServer(_ server: RealServerKey, in key: VirtualServiceKey, _ update: (inout RealServerEntry) -> Void) {
        guard let index = mirrored[key]?.realServers.firstIndex(where: { $0.server.key == server }) else { return }
        update(&mirrored[key]!.realServers[index])
    }
}
