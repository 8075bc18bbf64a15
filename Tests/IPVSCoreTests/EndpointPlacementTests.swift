import Testing

@testable import IPVSCore

/// An endpoint's node and zone live in a box the endpoints on one node share: sharing must save
/// memory without changing what the values mean.
struct EndpointPlacementTests {
    private func placed(_ node: String?, _ zone: String?, in placements: inout EndpointPlacements) throws -> EndpointPlacement {
        let placement = placements.placement(node: node, zone: zone)
        return try #require(placement)
    }

    @Test func onePairIsOneBoxAndNeitherIsNone() throws {
        var placements = EndpointPlacements()
        let first = try placed("worker-1.example.internal", "zone-a", in: &placements)
        let again = try placed("worker-1.example.internal", "zone-a", in: &placements)
        let otherZone = try placed("worker-1.example.internal", "zone-b", in: &placements)
        let zoneOnly = try placed(nil, "zone-a", in: &placements)
        #expect(first.sharesBox(with: again))
        #expect(!first.sharesBox(with: otherZone))
        #expect(zoneOnly.node == nil && zoneOnly.zone == "zone-a")
        let neither = placements.placement(node: nil, zone: nil)
        #expect(neither == nil)
        #expect(placements.count == 3)
    }

    @Test func aSharedPlacementComparesAndHashesAsItsOwnCopyDoes() throws {
        var placements = EndpointPlacements()
        let address = try #require(IPAddress("10.1.0.1"))
        let shared = EndpointSpec(address: address, placement: placements.placement(node: "n1", zone: "z1"))
        let own = EndpointSpec(address: address, node: "n1", zone: "z1")
        #expect(shared == own)
        #expect(shared.hashValue == own.hashValue)
        #expect(shared != EndpointSpec(address: address, node: "n1", zone: "z2"))
        #expect(EndpointSpec(address: address, node: nil, zone: nil).placement == nil)
    }

    @Test func changingOneEndpointsNodeLeavesTheOthersOnTheSharedBox() throws {
        var placements = EndpointPlacements()
        let placement = placements.placement(node: "n1", zone: "z1")
        let first = EndpointSpec(address: try #require(IPAddress("10.1.0.1")), placement: placement)
        var second = EndpointSpec(address: try #require(IPAddress("10.1.0.2")), placement: placement)
        second.node = "n2"
        #expect(first.node == "n1" && first.zone == "z1")
        #expect(second.node == "n2" && second.zone == "z1")
        second.zone = nil
        second.node = nil
        #expect(second.placement == nil)
    }

    @Test func pairsNoEndpointHoldsAreForgottenAsTheTableGrows() throws {
        var placements = EndpointPlacements()
        // Held: the endpoints of a mapping still in use.
        let held = (0..<40).compactMap { placements.placement(node: "held-\($0)", zone: nil) }
        // Let go: nodes that left the cluster.
        for index in 0..<24 { _ = placements.placement(node: "gone-\(index)", zone: nil) }
        #expect(placements.count == 64)
        let fresh = try placed("new", nil, in: &placements)
        #expect(placements.count == 41)
        // What is still held is still handed out, shared.
        let again = try placed("held-7", nil, in: &placements)
        #expect(again.sharesBox(with: held[7]))
        let newAgain = try placed("new", nil, in: &placements)
        #expect(newAgain.sharesBox(with: fresh))
    }
}
