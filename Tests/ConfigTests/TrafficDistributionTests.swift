import Config
import IPVSCore
import Testing

/// `trafficDistribution` and the nodes' zones reach the desired state, and selection on each node.
struct TrafficDistributionTests {
    static let yaml = """
        nodes:
          node-a: {addresses: [192.0.2.101], zone: z1}
          node-b: {addresses: [192.0.2.102], zone: z2}
        services:
        - name: default/web
          clusterIPs: [198.51.100.10]
          ports: [{port: 80}]
          trafficDistribution: PreferSameZone
          endpoints:
          - {address: 192.0.2.11, node: node-a, zone: z1}
          - {address: 192.0.2.12, node: node-b, zone: z2}
        """

    @Test("parsed: the service's distribution and each node's zone")
    func parsed() throws {
        let state = try #require(ConfigTesting.state(Self.yaml))
        #expect(state.nodeZones == ["node-a": "z1", "node-b": "z2"])
        #expect(state.services.first?.trafficDistribution == .preferSameZone)
    }

    @Test("each node uses its zone's endpoint")
    func selected() throws {
        let state = try #require(ConfigTesting.state(Self.yaml))
        for (node, last) in [("node-a", 11), ("node-b", 12)] {
            let servers = EndpointSelection.select(state, node: node).virtualServices.first?.realServers.map { $0.address }
            #expect(servers == [IPAddress("192.0.2.\(last)")!])
        }
    }
}
