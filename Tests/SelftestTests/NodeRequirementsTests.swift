import Config
import IPVSCore
import Selftest
import Testing

@Suite("what a config asks of a node")
struct NodeRequirementsTests {
    @Test("schedulers, sysctls, the packet path and health ports come from the plan's own reasoning")
    func fromConfig() throws {
        let state = try ConfigLoader.parse(
            """
            node: node-a
            interface: vip0
            services:
              - name: web
                externalIPs: [203.0.113.10]
                ports: [{port: 80, targetPort: 8080}]
                scheduler: mh
                externalTrafficPolicy: Cluster
                endpoints: [{address: 10.0.0.1, node: node-a}]
              - name: dns
                clusterIPs: [198.51.100.53]
                ports: [{port: 53, protocol: UDP}]
                externalTrafficPolicy: Local
                healthCheckNodePort: 30053
                endpoints: [{address: 10.0.0.2, node: node-a}]
            """, file: "t.yaml")
        let requirements = NodeRequirements(state, node: "node-a")
        #expect(requirements.schedulers == [.maglevHashing, .roundRobin])
        #expect(requirements.interface == "vip0")
        #expect(requirements.needsPacketFilter)  // an external IP under Cluster masquerades
        #expect(requirements.sysctls[.ipvsConntrack] == 1)
        #expect(requirements.sysctls[.expireNoDestinationConnections] == 1)  // a UDP service
        #expect(requirements.deletesUDPFlows)
        #expect(requirements.announcesAddresses)
        #expect(requirements.healthPorts == [30053])
        #expect(requirements.strictARP == nil)
    }

    @Test("no services: the default scheduler and interface, nothing else")
    func empty() {
        let requirements = NodeRequirements(DesiredState(), node: "n")
        #expect(requirements == NodeRequirements())
    }
}
