import KubernetesAPI
import Testing

@testable import IPVSCore
@testable import KubernetesMapping

/// Endpoints on one node share one box for their node and zone, across slices and Services
/// and across events (a memory saving only).
struct EndpointPlacementSharingTests {
    @Test func endpointsOnOneNodeShareTheirPlacementAcrossSlicesAndEvents() throws {
        let services = [Build.service("a", clusterIP: "10.96.0.1"), Build.service("b", clusterIP: "10.96.0.2")]
        var slices = [
            Build.slice("a-1", service: "a", endpoints: [Build.endpoint("10.1.0.1", node: "worker-1", zone: "z")]),
            Build.slice("b-1", service: "b", endpoints: [Build.endpoint("10.1.0.2", node: "worker-1", zone: "z")]),
        ]
        var mapping = IncrementalMapping(nodeName: "worker-1")
        let first = mapping.map(ClusterSnapshot(services: services, slices: slices), changed: ChangedObjects(), base: DesiredState())
        let placements = first.state.services.flatMap(\.endpoints).compactMap(\.placement)
        #expect(placements.count == 2)
        #expect(placements[0].sharesBox(with: placements[1]))

        slices[1] = Build.slice("b-1", service: "b", endpoints: [Build.endpoint("10.1.0.3", node: "worker-1", zone: "z")])
        let second = mapping.map(
            ClusterSnapshot(services: services, slices: slices), changed: ChangedObjects(slices: ["ns/b-1"]), base: DesiredState())
        let edited = try #require(second.state.services.last?.endpoints.first?.placement)
        #expect(second.state.services.last?.endpoints.first?.address == IPAddress("10.1.0.3"))
        #expect(edited.sharesBox(with: placements[0]))
    }
}
