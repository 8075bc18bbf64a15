import IPVSCore
import ReconcilerTestKit
import Testing

@testable import IPVSDaemon

/// Metrics are checked by parsing what `/metrics` would serve, never by comparing strings.
struct AgentMetricsTests {
    static let web = VirtualServiceKey.address(IPAddress("198.51.100.10")!, port: 80, protocol: .tcp)
    static let external = VirtualServiceKey.address(IPAddress("203.0.113.10")!, port: 80, protocol: .tcp)

    static func desired(
        _ key: VirtualServiceKey, service: String, scope: TrafficPolicyScope, policy: TrafficPolicy,
        outcome: SelectionOutcome, panicking: Bool = false
    ) -> DesiredVirtualService {
        var desired = DesiredVirtualService(
            service: VirtualService(key: key), realServers: [],
            origin: SelectionOrigin(serviceName: service, portName: nil, scope: scope, policy: policy),
            outcome: outcome)
        desired.panicking = panicking
        return desired
    }

    static func samples(_ metrics: AgentMetrics) -> [MetricSample] {
        MetricSample.parse(String(decoding: metrics.render(), as: UTF8.self))
    }

    static func value(_ samples: [MetricSample], _ name: String, _ labels: [String: String] = [:]) -> Double? {
        samples.first { $0.name == name && $0.labels == labels }?.value
    }

    @Test("blackholed services per service and per traffic policy, fallbacks and panic; gone services leave")
    func selection() {
        let metrics = AgentMetrics(version: "test")
        let state = DesiredKernelState(virtualServices: [
            Self.desired(Self.web, service: "default/web", scope: .internal, policy: .local, outcome: .blackholed, panicking: true),
            Self.desired(Self.external, service: "default/web", scope: .external, policy: .preferLocal, outcome: .fallback),
        ])
        metrics.recordSelection(state, health: nil, state: DesiredState(), node: "node-a")
        var samples = Self.samples(metrics)
        #expect(Self.value(samples, "ipvsctl_service_blackholed", ["service": "default/web", "traffic_policy": "internal"]) == 1)
        #expect(Self.value(samples, "ipvsctl_service_blackholed", ["service": "default/web", "traffic_policy": "external"]) == 0)
        #expect(Self.value(samples, "ipvsctl_blackholed_services", ["traffic_policy": "internal"]) == 1)
        #expect(Self.value(samples, "ipvsctl_blackholed_services", ["traffic_policy": "external"]) == 0)
        #expect(Self.value(samples, "ipvsctl_service_fallback", ["service": "default/web", "traffic_policy": "external"]) == 1)
        #expect(Self.value(samples, "ipvsctl_fallback_services", ["traffic_policy": "external"]) == 1)
        #expect(Self.value(samples, "ipvsctl_service_health_panic", ["service": "default/web"]) == 1)
        #expect(Self.value(samples, "ipvsctl_virtual_services", ["traffic_policy": "internal", "outcome": "blackholed"]) == 1)
        #expect(Self.value(samples, "ipvsctl_build_info", ["version": "test"]) == 1)

        metrics.recordSelection(DesiredKernelState(), health: nil, state: DesiredState(), node: "node-a")
        samples = Self.samples(metrics)
        #expect(!samples.contains { $0.name == "ipvsctl_service_blackholed" })
        #expect(Self.value(samples, "ipvsctl_blackholed_services", ["traffic_policy": "internal"]) == 0)
    }

    @Test("endpoint health per service, by verdict")
    func endpointHealth() {
        let check = HealthCheck(probe: .tcp)
        let endpoints = (1...3).map { EndpointSpec(address: .v4(IPv4Address(192, 0, 2, $0)), node: "node-a", healthCheck: check) }
        let spec = ServiceSpec(
            name: "default/web", clusterIPs: [IPAddress("198.51.100.10")!], ports: [ServicePort(port: 80)],
            endpoints: endpoints, healthCheck: check)
        let view = HealthView(verdicts: [
            HealthTarget(address: endpoints[0].address, port: 80, check: check): .healthy,
            HealthTarget(address: endpoints[1].address, port: 80, check: check): .unhealthy,
        ])
        let metrics = AgentMetrics(version: "test")
        metrics.recordSelection(DesiredKernelState(), health: view, state: DesiredState(services: [spec]), node: "node-a")
        let samples = Self.samples(metrics)
        for (state, count) in [("healthy", 1.0), ("unhealthy", 1.0), ("unknown", 1.0)] {
            #expect(Self.value(samples, "ipvsctl_service_endpoints", ["service": "default/web", "state": state]) == count)
        }
    }

    @Test("traffic counters carry node_exporter's label names and the kernel's 64-bit values")
    func traffic() {
        var statistics = Statistics()
        statistics.connections = 5_000_000_000
        statistics.incomingBytes = 42
        let services = [
            ObservedVirtualService(service: VirtualService(key: Self.web), statistics: statistics),
            ObservedVirtualService(service: VirtualService(key: .firewallMark(7, family: .inet))),
        ]
        var bytes: [UInt8] = []
        TrafficExposition(serviceNames: [Self.web: "default/\"web\""]).render(virtualServices: services, into: &bytes)
        let text = String(decoding: bytes, as: UTF8.self)
        let samples = MetricSample.parse(text)
        let labels = ["service": "default/\"web\"", "local_address": "198.51.100.10", "local_port": "80", "local_mark": "", "proto": "TCP"]
        #expect(Self.value(samples, "ipvsctl_virtual_service_connections_total", labels) == 5_000_000_000)
        #expect(Self.value(samples, "ipvsctl_virtual_service_incoming_bytes_total", labels) == 42)
        #expect(
            Self.value(
                samples, "ipvsctl_virtual_service_connections_total",
                ["service": "", "local_address": "", "local_port": "0", "local_mark": "7", "proto": ""]) == 0)
        #expect(text.contains("# TYPE ipvsctl_virtual_service_outgoing_packets_total counter"))
    }
}
