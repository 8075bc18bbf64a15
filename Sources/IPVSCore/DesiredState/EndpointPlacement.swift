/// Where an endpoint runs: its node's name and its zone.
///
/// Kept in one immutable heap box that endpoints on the same node share when they were made
/// through ``EndpointPlacements``: a fleet has few nodes and zones, and a 10,000-service table
/// 100,000 endpoints, which would otherwise hold two optional strings each (32 bytes, and a
/// heap copy of every name longer than 15 bytes).
public struct EndpointPlacement: Hashable, Sendable {
    private final class Storage: Sendable {
        let node: String?
        let zone: String?

        init(node: String?, zone: String?) {
            self.node = node
            self.zone = zone
        }
    }

    // A `var` only so that ``EndpointPlacements`` can ask whether it is the sole holder.
    private var storage: Storage

    /// A placement of its own, shared with no other endpoint's.
    public init(node: String?, zone: String?) {
        storage = Storage(node: node, zone: zone)
    }

    public var node: String? { storage.node }
    public var zone: String? { storage.zone }

    public static func == (lhs: Self, rhs: Self) -> Bool {
        lhs.storage === rhs.storage || (lhs.node == rhs.node && lhs.zone == rhs.zone)
    }

    public func hash(into hasher: inout Hasher) {
        hasher.combine(node)
        hasher.combine(zone)
    }

    /// Whether the two are one box: what ``EndpointPlacements`` is for.
    func sharesBox(with other: Self) -> Bool { storage === other.storage }

    /// Whether `self` is the only copy of its box, for ``EndpointPlacements`` to forget it.
    fileprivate mutating func isUnshared() -> Bool { isKnownUniquelyReferenced(&storage) }
}

/// Hands out one shared ``EndpointPlacement`` per node-and-zone pair: what a decoder that makes
/// many endpoints keeps while it makes them.
///
/// A long-lived one (a Kubernetes mapping) forgets the pairs no endpoint holds any more each
/// time it has doubled, so that nodes that come and go do not pile up.
public struct EndpointPlacements: Sendable {
    private struct Key: Hashable {
        var node: String?
        var zone: String?
    }

    private var shared: [Key: EndpointPlacement] = [:]
    private var pruneAt = 64

    public init() {}

    /// The placement of an endpoint on `node` in `zone`; nil when neither is known.
    public mutating func placement(node: String?, zone: String?) -> EndpointPlacement? {
        guard node != nil || zone != nil else { return nil }
        let key = Key(node: node, zone: zone)
        if let placement = shared[key] { return placement }
        if shared.count >= pruneAt { forgetUnheld() }
        let placement = EndpointPlacement(node: node, zone: zone)
        shared[key] = placement
        return placement
    }

    /// The number of pairs it holds a placement for.
    public var count: Int { shared.count }

    private mutating func forgetUnheld() {
        for key in Array(shared.keys) {
            guard var placement = shared.removeValue(forKey: key) else { continue }
            if !placement.isUnshared() { shared[key] = placement }
        }
        pruneAt = max(64, 2 * shared.count)
    }
}
