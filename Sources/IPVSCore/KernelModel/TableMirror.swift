/// The kernel's IPVS table as the agent last read it, with every change it has written since:
/// what an event-scoped pass plans against instead of reading the whole table again.
///
/// Only as good as the writes recorded in it: a change the kernel refused, a conversation that
/// broke, or someone else's edit makes it stale, and the next full read replaces it. Counters
/// (connections, traffic) are those of the read; a recorded create starts at zero.
public struct TableMirror: Hashable, Sendable {
    public private(set) var entries: [VirtualServiceKey: ObservedTableEntry]

    public init(_ table: [ObservedTableEntry]) {
        entries = Dictionary(table.map { ($0.virtualService.service.key, $0) }, uniquingKeysWith: { first, _ in first })
    }

    /// The entries of `keys` that the kernel holds.
    public func entries(for keys: some Sequence<VirtualServiceKey>) -> [VirtualServiceKey: ObservedTableEntry] {
        var found: [VirtualServiceKey: ObservedTableEntry] = [:]
        for key in keys { found[key] = entries[key] }
        return found
    }

    /// Records changes the kernel accepted. Address, setting and packet-filter changes are not
    /// part of the IPVS table and leave it as it is.
    public mutating func record(_ applied: some Sequence<Change>) {
        for change in applied { record(change) }
    }

    mutating func record(_ change: Change) {
        switch change {
        case .createVirtualService(let service):
            entries[service.key] = ObservedTableEntry(virtualService: ObservedVirtualService(service: service), realServers: [])
        case .updateVirtualService(_, let service):
            entries[service.key]?.virtualService.service = service
        case .deleteVirtualService(let service, _):
            entries[service.key] = nil
        case .createRealServer(let server, let key):
            // The kernel lists a service's real servers newest first.
            entries[key]?.realServers.insert(ObservedRealServer(server: server), at: 0)
        case .updateRealServer(_, let server, let key):
            updateRealServer(server.key, in: key) { $0.server = server }
        case .drainRealServer(let observed, let key, _):
            updateRealServer(observed.server.key, in: key) { $0.server.weight = 0 }
        case .deleteRealServer(let observed, let key):
            entries[key]?.realServers.removeAll { $0.server.key == observed.server.key }
        case .addAddress, .removeAddress, .setTimeouts, .setSysctl, .createPacketFilter, .repairPacketFilter, .deletePacketFilter,
            .addFilterElement, .deleteFilterElement:
            break
        }
    }

    private mutating func updateRealServer(_ server: RealServerKey, in key: VirtualServiceKey, _ update: (inout ObservedRealServer) -> Void)
    {
        guard let index = entries[key]?.realServers.firstIndex(where: { $0.server.key == server }) else { return }
        update(&entries[key]!.realServers[index])
    }
}
