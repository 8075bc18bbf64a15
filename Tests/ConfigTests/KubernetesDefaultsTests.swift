import Config
import IPVSCore
import Testing

/// The file's part when services come from the Kubernetes API: `defaults`, node zones, and
/// `services` neither required nor allowed; and the file source's `trafficDistribution`.
struct KubernetesDefaultsTests {
    static func kubernetes(_ yaml: String) throws(ConfigError) -> DesiredState {
        try ConfigLoader.parse(yaml, file: ConfigTesting.file, servicesFrom: .kubernetes)
    }

    @Test("defaults are read with a service's vocabulary and limits")
    func defaults() throws {
        let state = try Self.kubernetes(
            """
            interface: lb0
            defaults:
              scheduler: {name: mh, flags: [mh-fallback]}
              forwarding: direct-route
              drainSeconds: 30
              healthCheck: {type: http, path: /healthz, intervalSeconds: 2}
              panicThreshold: 0.5
            """)
        #expect(state.interface == "lb0")
        #expect(state.services.isEmpty)
        #expect(state.defaults.scheduler == .maglevHashing)
        #expect(state.defaults.schedulerFlags == .maglevFallback)
        #expect(state.defaults.forwarding == .directRoute)
        #expect(state.defaults.drainSeconds == 30)
        #expect(state.defaults.healthCheck?.interval == .seconds(2))
        #expect(state.defaults.healthCheck?.port == nil)
        #expect(state.defaults.panicThreshold == 0.5)
    }

    @Test("an empty file is all defaults; a file with services is refused where they are written")
    func services() throws {
        #expect(try Self.kubernetes("") == DesiredState())
        #expect(try Self.kubernetes("services: []\n").services.isEmpty)
        do {
            _ = try Self.kubernetes(
                """
                services:
                - {name: web, clusterIPs: [198.51.100.1], ports: [{port: 80}]}
                """)
            Issue.record("a file declaring services was accepted with the Kubernetes source")
        } catch {
            #expect(error.problems.map(\.place) == [Place(2, 1, "services", .invalidValue)])
            #expect(error.problems.first?.message.contains("Kubernetes API") == true)
        }
    }

    @Test("a bad default is located")
    func badDefault() throws {
        do {
            _ = try Self.kubernetes("defaults: {scheduler: fastest, drainSeconds: -1}\n")
            Issue.record("bad defaults were accepted")
        } catch {
            #expect(error.problems.map(\.path).sorted() == ["defaults.drainSeconds", "defaults.scheduler"])
        }
    }

    @Test("without the Kubernetes source, services stay required")
    func servicesRequiredForFiles() throws {
        let problem = try #require(ConfigTesting.problem("defaults: {drainSeconds: 3}\n"))
        #expect(problem.path == "services")
        #expect(problem.code == .missingKey)
    }

    @Test("node zones and trafficDistribution, with PreferClose read as PreferSameZone")
    func topology() throws {
        let state = try #require(
            ConfigTesting.state(
                """
                nodes:
                  node-a: {addresses: [192.0.2.1], zone: zone-1}
                  node-b: {addresses: [192.0.2.2]}
                services:
                - name: near
                  clusterIPs: [198.51.100.1]
                  ports: [{port: 80}]
                  trafficDistribution: PreferSameNode
                - name: close
                  clusterIPs: [198.51.100.2]
                  ports: [{port: 80}]
                  trafficDistribution: PreferClose
                """))
        #expect(state.nodeZones == ["node-a": "zone-1"])
        #expect(state.services.map(\.trafficDistribution) == [.preferSameNode, .preferSameZone])
        let problem = try #require(
            ConfigTesting.problem(
                """
                services:
                - {name: x, clusterIPs: [198.51.100.1], ports: [{port: 80}], trafficDistribution: Nearby}
                """))
        #expect(problem.path == "services[0].trafficDistribution")
    }
}
