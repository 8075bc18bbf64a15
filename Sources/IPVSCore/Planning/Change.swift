/// One step of a plan. Each becomes exactly one kernel command (or, for addresses, one
/// rtnetlink command).
public enum Change: Hashable, Sendable {
    case createVirtualService(VirtualService)
    case updateVirtualService(from: VirtualService, to: VirtualService)
    /// The kernel deletes its real servers with it; they are listed for the operator.
    case deleteVirtualService(VirtualService, realServers: [ObservedRealServer])
    case createRealServer(RealServer, service: VirtualServiceKey)
    case updateRealServer(from: RealServer, to: RealServer, service: VirtualServiceKey)
    /// Weight to 0: no new connections, existing ones finish; deleted later.
    case drainRealServer(ObservedRealServer, service: VirtualServiceKey, deadline: Int64)
    case deleteRealServer(ObservedRealServer, service: VirtualServiceKey)
    case addAddress(IPAddress)
    case removeAddress(IPAddress)
    case setTimeouts(from: Timeouts, to: Timeouts)
    case setSysctl(KernelSysctl, from: Int, to: Int)
    /// Our nftables table with its sets, chains and rules (elements follow as their own changes).
    case createPacketFilter
    /// Our table re-made whole because its structure drifted (all elements follow).
    case repairPacketFilter(reason: String)
    /// Our table, no longer needed.
    case deletePacketFilter
    case addFilterElement(PacketFilterElement, set: PacketFilterSetID)
    case deleteFilterElement(PacketFilterElement, set: PacketFilterSetID)

    /// The virtual service a change concerns, when it concerns one.
    public var serviceKey: VirtualServiceKey? {
        switch self {
        case .createVirtualService(let service), .deleteVirtualService(let service, _): service.key
        case .updateVirtualService(_, let service): service.key
        case .createRealServer(_, let key), .updateRealServer(_, _, let key), .drainRealServer(_, let key, _),
            .deleteRealServer(_, let key):
            key
        case .addAddress, .removeAddress, .setTimeouts, .setSysctl, .createPacketFilter, .repairPacketFilter, .deletePacketFilter,
            .addFilterElement, .deleteFilterElement:
            nil
        }
    }

    /// How it is counted in summaries.
    public var kind: Kind {
        switch self {
        case .createVirtualService, .createRealServer, .addAddress, .createPacketFilter, .addFilterElement: .add
        case .updateVirtualService, .updateRealServer, .setTimeouts, .setSysctl, .repairPacketFilter: .change
        case .drainRealServer: .drain
        case .deleteVirtualService, .deleteRealServer, .removeAddress, .deletePacketFilter, .deleteFilterElement: .delete
        }
    }

    public enum Kind: String, Hashable, Sendable, CaseIterable {
        case add, change, drain, delete
    }

    /// Whether the guard on deletions counts it: a set element is not a deletion of service.
    public var isDeletion: Bool {
        switch self {
        case .deletePacketFilter, .deleteFilterElement: false
        default: kind == .delete
        }
    }

    /// Whether it is a change of our netfilter table (one nftables transaction carries them all).
    public var isPacketFilterChange: Bool {
        switch self {
        case .createPacketFilter, .repairPacketFilter, .deletePacketFilter, .addFilterElement, .deleteFilterElement: true
        default: false
        }
    }
}

/// A virtual service in the kernel that is not ours: listed, never touched.
public struct ForeignVirtualService: Hashable, Sendable {
    public var service: VirtualService
    public var realServerCount: Int
    /// The declared service that wants the same key, if any (a collision).
    public var collidesWith: String?
}

/// An ordered list of changes that takes the kernel from what it holds to what is desired.
public struct Plan: Hashable, Sendable {
    /// In execution order: services before their real servers on create, real servers before
    /// their service on delete, addresses last on add and on removal.
    public var changes: [Change]
    public var foreign: [ForeignVirtualService]
    /// Desired keys held by a foreign service: an error unless adopted.
    public var collisions: [ForeignVirtualService]
    /// Foreign addresses on our interface.
    public var foreignAddresses: [IPAddress]
    /// A netfilter table of our name that the ledger does not record: left alone.
    public var foreignPacketFilter = false
    /// Virtual services that will exist but refuse traffic (Local with no local endpoint).
    public var blackholed: [DesiredVirtualService]
    /// PreferLocal services sending to other nodes.
    public var fallbacks: [DesiredVirtualService]
    /// Ownership as it will be when every change succeeds.
    public var ledger: Ledger

    public var isEmpty: Bool { changes.isEmpty }

    public func count(_ kind: Change.Kind) -> Int { changes.count { $0.kind == kind } }

    public var deletionCount: Int { changes.count(where: \.isDeletion) }
}
