/// What ipvsctl-swift made in one kernel table, and so may change or delete. Everything else is
/// foreign and is never touched (kube-proxy deleting rules it did not own: kubernetes#59507).
/// Persisted by the reconciler (atomic replace), so that ownership and drains survive restarts.
public struct Ledger: Hashable, Sendable {
    public var virtualServices: Set<VirtualServiceKey>
    public var addresses: Set<IPAddress>
    /// Real servers being drained: weight 0, deleted once idle or at their deadline.
    public var drains: [DrainKey: Drain]
    /// Our nftables table exists because we made it.
    public var packetFilter: Bool

    public init(
        virtualServices: Set<VirtualServiceKey> = [], addresses: Set<IPAddress> = [], drains: [DrainKey: Drain] = [:],
        packetFilter: Bool = false
    ) {
        self.packetFilter = packetFilter
        self.virtualServices = virtualServices
        self.addresses = addresses
        self.drains = drains
    }

    public var isEmpty: Bool { virtualServices.isEmpty && addresses.isEmpty && drains.isEmpty && !packetFilter }

    /// This ledger claiming what `other` owns too. Sets that are one and the same (a plan that
    /// changed no ownership keeps the previous ledger's) compare in constant time and are left
    /// as they are: merging them would hash every owned object on every pass.
    public func including(_ other: Ledger) -> Ledger {
        var merged = self
        if merged.virtualServices != other.virtualServices { merged.virtualServices.formUnion(other.virtualServices) }
        if merged.addresses != other.addresses { merged.addresses.formUnion(other.addresses) }
        merged.packetFilter = packetFilter || other.packetFilter
        return merged
    }
}

/// A real server within its virtual service.
public struct DrainKey: Hashable, Sendable, Comparable {
    public var service: VirtualServiceKey
    public var realServer: RealServerKey

    public init(service: VirtualServiceKey, realServer: RealServerKey) {
        self.service = service
        self.realServer = realServer
    }

    public static func < (lhs: DrainKey, rhs: DrainKey) -> Bool {
        (lhs.service, lhs.realServer) < (rhs.service, rhs.realServer)
    }
}

/// A drain in progress.
public struct Drain: Hashable, Sendable {
    /// Seconds since the Unix epoch after which the real server is deleted even if still busy.
    public var deadline: Int64
    /// The weight it had, for the record and for a return before the deadline.
    public var previousWeight: UInt32

    public init(deadline: Int64, previousWeight: UInt32) {
        self.deadline = deadline
        self.previousWeight = previousWeight
    }
}
