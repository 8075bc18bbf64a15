/// The desired netfilter table, kept up to date service by service: what a scoped pass needs
/// to know whether the real servers it changed change the table, without going over every
/// service again.
///
/// Every element belongs to one virtual service (its key names it) except a hairpin pair,
/// which stays while any virtual service masquerades to that local endpoint: those uses are
/// counted.
public struct PacketFilterTally: Hashable, Sendable {
    public private(set) var filter: DesiredPacketFilter
    /// Virtual services masquerading to each address.
    private var masqueradedUses: [IPAddress: Int] = [:]
    private let localEndpoints: Set<IPAddress>
    private let guarded: [IPAddress: [IPPrefix]]
    private let localSourcesKnown: Bool

    public init(_ state: DesiredState, kernel: DesiredKernelState, node: String) {
        let localSources = PacketPathPolicy.localSources(of: state, node: node)
        localSourcesKnown = !localSources.isEmpty
        guarded = PacketPathPolicy.guardedLoadBalancers(state)
        // Inserted one by one: a `Set` made from an array keeps room for all of its items,
        // repeats included (100,000 local endpoints on ten addresses kept 6 MB for ten).
        var localEndpoints = Set<IPAddress>()
        for service in state.services {
            for endpoint in service.endpoints where endpoint.node == node { localEndpoints.insert(endpoint.address) }
        }
        self.localEndpoints = localEndpoints
        filter = DesiredPacketFilter()
        for range in PacketPathPolicy.withoutContainedRanges(localSources) {
            filter.insert(.range(range), into: .localSources)
        }
        for service in kernel.virtualServices { add(service) }
    }

    /// Takes `old` out and puts `new` in (a scoped pass's services before and after);
    /// returns the element changes that makes.
    ///
    /// Only the elements these services place can change, so the difference is looked for among
    /// those: copying and comparing the whole table made every scoped pass cost what the table
    /// does (two thirds of a pass at 10,000 services).
    public mutating func replace(_ old: [DesiredVirtualService], with new: [DesiredVirtualService]) -> [Change] {
        var touched: Set<PlacedElement> = []
        for service in old + new { touched.formUnion(placedElements(of: service)) }
        let present = touched.filter { filter.contains($0) }
        for service in old { remove(service) }
        for service in new { add(service) }
        var changes: [Change] = []
        let bySet = Dictionary(grouping: touched, by: \.set)
        for id in bySet.keys.sorted() {
            let elements = bySet[id] ?? []
            changes += elements.filter { present.contains($0) && !filter.contains($0) }.map(\.element).sorted()
                .map { .deleteFilterElement($0, set: id) }
            changes += elements.filter { !present.contains($0) && filter.contains($0) }.map(\.element).sorted()
                .map { .addFilterElement($0, set: id) }
        }
        return changes
    }

    /// The elements a virtual service puts in the table, each with its set, hairpin pairs
    /// included.
    private func placedElements(
        of service: DesiredVirtualService, masquerading: [IPAddress]? = nil
    ) -> [PlacedElement] {
        var placed = PacketPathPolicy.elements(of: service, guarded: guarded, localSourcesKnown: localSourcesKnown).map {
            element, set in PlacedElement(element: element, set: PacketFilterSetID(set, element.family))
        }
        for address in masquerading ?? PacketPathPolicy.masqueradedAddresses(of: service) where localEndpoints.contains(address) {
            let pair = PacketFilterElement.addressPair(address)
            placed.append(PlacedElement(element: pair, set: PacketFilterSetID(.hairpin, pair.family)))
        }
        return placed
    }

    private mutating func add(_ service: DesiredVirtualService) {
        let masquerading = PacketPathPolicy.masqueradedAddresses(of: service)
        for placed in placedElements(of: service, masquerading: masquerading) { filter.insert(placed) }
        for address in masquerading { masqueradedUses[address, default: 0] += 1 }
    }

    private mutating func remove(_ service: DesiredVirtualService) {
        for (element, set) in PacketPathPolicy.elements(of: service, guarded: guarded, localSourcesKnown: localSourcesKnown) {
            filter.remove(element, from: set)
        }
        for address in PacketPathPolicy.masqueradedAddresses(of: service) {
            masqueradedUses[address, default: 0] -= 1
            if masqueradedUses[address] == 0 {
                masqueradedUses[address] = nil
                filter.remove(.addressPair(address), from: .hairpin)
            }
        }
    }
}

/// An element in the set it belongs to.
struct PlacedElement: Hashable {
    var element: PacketFilterElement
    var set: PacketFilterSetID
}

extension DesiredPacketFilter {
    func contains(_ placed: PlacedElement) -> Bool {
        elements[placed.set]?.contains(placed.element) ?? false
    }

    mutating func insert(_ placed: PlacedElement) {
        elements[placed.set, default: []].insert(placed.element)
    }

    mutating func insert(_ element: PacketFilterElement, into set: PacketFilterSet) {
        elements[PacketFilterSetID(set, element.family), default: []].insert(element)
    }

    /// Removes an element; a set left empty goes (sets not listed are empty).
    mutating func remove(_ element: PacketFilterElement, from set: PacketFilterSet) {
        let id = PacketFilterSetID(set, element.family)
        elements[id]?.remove(element)
        if elements[id]?.isEmpty == true { elements[id] = nil }
    }
}
