import Config
import Testing

@testable import IPVSCore

/// Endpoints on one node share one box for their node and zone (a memory saving only).
struct EndpointPlacementSharingTests {
    @Test func endpointsOnOneNodeShareTheirPlacement() throws {
        let state = try #require(
            ConfigTesting.state(
                """
                nodes:
                  worker-1.example.internal: {addresses: [192.0.2.10]}
                  worker-2.example.internal: {addresses: [192.0.2.11]}
                node: worker-1.example.internal
                services:
                - name: a
                  clusterIPs: [198.51.100.1]
                  ports: [{port: 80}]
                  endpoints:
                  - {address: 10.1.0.1, node: worker-1.example.internal, zone: zone-a}
                  - {address: 10.1.0.2, node: worker-2.example.internal, zone: zone-a}
                - name: b
                  clusterIPs: [198.51.100.2]
                  ports: [{port: 80}]
                  endpoints:
                  - {address: 10.1.0.3, node: worker-1.example.internal, zone: zone-a}
                  - {address: 10.1.0.4}
                """))
        let endpoints = state.services.flatMap(\.endpoints)
        let placements = endpoints.map(\.placement)
        #expect(endpoints.map(\.node) == ["worker-1.example.internal", "worker-2.example.internal", "worker-1.example.internal", nil])
        #expect(endpoints.map(\.zone) == ["zone-a", "zone-a", "zone-a", nil])
        let first = try #require(placements[0])
        #expect(first.sharesBox(with: try #require(placements[2])))
        #expect(!first.sharesBox(with: try #require(placements[1])))
    }
}
