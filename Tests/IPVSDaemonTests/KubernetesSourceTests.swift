import Foundation
import IPVSCore
import KubernetesClient
import Prometheus
import ReconcilerTestKit
import Synchronization
import Testing

@testable import IPVSDaemon

/// The Kubernetes source against the fake API server on loopback, with the faults a real API
/// server and its network produce: history compaction (410 both ways), dropped watches, garbage
/// on the stream, a rotated token, a wrong CA, slow answers. No kernel involved: the lab's fleet
/// tests take the same source to real IPVS tables.
@Suite(.serialized)
struct KubernetesSourceTests {
    /// A source for node-a of `examples/kubernetes/fleet.json`, running until `body` returns.
    static func withSource(
        _ server: FakeAPIServer, node: String = "node-a", serviceProxyName: String? = nil,
        _ body: (KubernetesSource, KubernetesMetrics, Changes) async throws -> Void
    ) async throws {
        let registry = PrometheusCollectorRegistry()
        let metrics = KubernetesMetrics(registry: registry)
        let source = KubernetesSource(
            configuration: .init(node: node, serviceProxyName: serviceProxyName),
            client: try server.client(), base: nil, metrics: metrics, logger: quietLogger)
        let changes = Changes()
        try await withThrowingTaskGroup { group in
            group.addTask { await source.run { _ in changes.count.add(1, ordering: .relaxed) } }
            defer { group.cancelAll() }
            try await body(source, metrics, changes)
        }
    }

    final class Changes: Sendable {
        let count = Atomic(0)
    }

    static func until(_ what: Comment, seconds: Double = 20, _ condition: () throws -> Bool) async throws {
        let deadline = ContinuousClock.now + .seconds(seconds)
        while ContinuousClock.now < deadline {
            if try condition() { return }
            try await Task.sleep(for: .milliseconds(50))
        }
        Issue.record("timed out waiting until \(what)")
        throw FakeAPIServerError(message: "timed out")
    }

    static func sum(_ registry: PrometheusCollectorRegistry, _ name: String, _ labels: [String: String] = [:]) -> Double {
        var buffer: [UInt8] = []
        registry.emit(into: &buffer)
        return MetricSample.parse(String(decoding: buffer, as: UTF8.self))
            .filter { sample in sample.name == name && labels.allSatisfy { sample.labels[$0.key] == $0.value } }
            .reduce(0) { $0 + $1.value }
    }

    static let webSlice = """
        {"apiVersion": "discovery.k8s.io/v1", "kind": "EndpointSlice",
         "metadata": {"name": "web-x1", "namespace": "default", "labels": {"kubernetes.io/service-name": "web"}},
         "addressType": "IPv4", "endpoints": [{"addresses": ["203.0.113.6"], "nodeName": "node-a"}],
         "ports": [{"name": "http", "protocol": "TCP", "port": 8080}]}
        """

    static func web(_ state: DesiredState) -> ServiceSpec? { state.services.first { $0.name == "default/web" } }

    @Test(
        "no desired state before the first complete list; then the fleet's objects, this node's addresses and zone; an edit arrives as an event"
    )
    func listThenWatch() async throws {
        let server = try FakeAPIServer()
        try await Self.withSource(server) { source, metrics, _ in
            try await Self.until("the first list is in") { source.current() != nil }
            let state = try #require(source.current()?.state)
            #expect(
                Set(state.services.map(\.name)) == ["monitoring/collector", "monitoring/collector-zone", "default/web", "default/shop"])
            #expect(state.nodeAddresses["node-a"] == [IPAddress("192.0.2.1")!])
            #expect(state.nodeZones["node-a"] == "zone-1")
            #expect(Self.web(state)?.endpoints.count == 3)
            #expect(Self.sum(metrics.registry, "ipvsctl_kubernetes_synced") == 1)
            #expect(Self.sum(metrics.registry, "ipvsctl_kubernetes_objects", ["resource": "services"]) == 4)

            try server.control("apply", Self.webSlice)
            try await Self.until("the slice edit is seen") { source.current().flatMap { Self.web($0.state) }?.endpoints.count == 1 }
            #expect(Self.sum(metrics.registry, "ipvsctl_kubernetes_events_total", ["resource": "endpointslices", "type": "modified"]) >= 1)
        }
    }

    @Test("history compacted, 410 as an HTTP status and as an in-stream ERROR event: relist, same state, same generation")
    func goneBothWays() async throws {
        let server = try FakeAPIServer()
        try await Self.withSource(server) { source, metrics, _ in
            try await Self.until("the first list is in") { source.current() != nil }
            let before = try #require(source.current())
            for mode in ["http", "event"] {
                let relists = Self.sum(metrics.registry, "ipvsctl_kubernetes_relists_total", ["reason": "watchExpired"])
                // Each collection watched again after the last relist, before the next fault.
                try await Self.until("three watches are open") { try server.openWatches() == 3 }
                try server.control("faults", #"{"gone-mode": "\#(mode)"}"#)
                try server.compactPastClients()
                try server.control("drop-watches")
                do {
                    try await Self.until("every collection relisted after 410 (\(mode))") {
                        Self.sum(metrics.registry, "ipvsctl_kubernetes_relists_total", ["reason": "watchExpired"]) >= relists + 3
                    }
                } catch {
                    var buffer: [UInt8] = []
                    metrics.registry.emit(into: &buffer)
                    print(
                        String(decoding: buffer, as: UTF8.self).split(separator: "\n").filter {
                            $0.contains("kubernetes") && !$0.hasPrefix("#")
                        }.joined(separator: "\n"))
                    print(try server.requests())
                    throw error
                }
            }
            let after = try #require(source.current())
            #expect(after.state == before.state)
            #expect(after.generation == before.generation, "a relist of unchanged objects must not look like a change")
        }
    }

    @Test("what is not re-listed is gone: an object deleted while the watch was down disappears at the relist")
    func relistSwapsTheSnapshot() async throws {
        let server = try FakeAPIServer()
        try await Self.withSource(server) { source, metrics, _ in
            try await Self.until("the first list is in") { source.current() != nil }
            // The watches go and cannot come back (503) while the Service is deleted and the
            // history compacted past it: only a relist can tell.
            let relists = Self.sum(metrics.registry, "ipvsctl_kubernetes_relists_total", ["resource": "services"])
            try server.control("faults", #"{"error-status": {"code": 503, "count": 1000}}"#)
            try server.control("drop-watches")
            try server.control("delete", #"{"kind": "Service", "namespace": "default", "name": "web"}"#)
            try server.compactPastClients()
            try server.control("faults/reset")
            try await Self.until("the deleted Service is gone", seconds: 40) { source.current().map { Self.web($0.state) == nil } == true }
            #expect(Self.sum(metrics.registry, "ipvsctl_kubernetes_relists_total", ["resource": "services"]) > relists)
            #expect(
                Self.sum(metrics.registry, "ipvsctl_kubernetes_events_total", ["resource": "services", "type": "deleted"]) == 0,
                "the deletion came through a watch, not the relist")
        }
    }

    @Test("garbage on a watch, a dropped connection, slow answers: the copy stays right and catches up")
    func faults() async throws {
        let server = try FakeAPIServer()
        try await Self.withSource(server) { source, metrics, _ in
            try await Self.until("the first list is in") { source.current() != nil }
            try server.control("garbage")
            try server.control("drop-watches")
            try server.control("faults", #"{"slow": 0.5}"#)
            try server.control("apply", Self.webSlice)
            try await Self.until("the edit after the faults is seen") {
                source.current().flatMap { Self.web($0.state) }?.endpoints.count == 1
            }
            #expect(Self.sum(metrics.registry, "ipvsctl_kubernetes_watch_restarts_total") >= 1)
        }
    }

    @Test("a rotated token: the old one gets 401, the new one is read from the file and used")
    func tokenRotation() async throws {
        let server = try FakeAPIServer()
        try await Self.withSource(server) { source, _, _ in
            try await Self.until("the first list is in") { source.current() != nil }
            try "token-2\n".write(toFile: server.tokenPath, atomically: true, encoding: .utf8)
            try server.control("tokens", #"{"tokens": ["token-2"]}"#)
            try server.control("drop-watches")
            try server.control("apply", Self.webSlice)
            try await Self.until("the edit is seen with the new token", seconds: 30) {
                source.current().flatMap { Self.web($0.state) }?.endpoints.count == 1
            }
        }
    }

    @Test("a wrong CA: the one-shot list fails with a certificate error")
    func wrongCA() async throws {
        let server = try FakeAPIServer()
        let client = try server.client(authority: server.workDirectory + "/other-ca.crt")
        do {
            _ = try await KubernetesSource.listOnce(.init(node: "node-a"), client: client, base: DesiredState())
            Issue.record("a server with a certificate from another CA was trusted")
        } catch {
            #expect("\(error)".lowercased().contains("certificate") || "\(error)".contains("handshake"), "\(error)")
        }
        try await client.shutdown()
    }

    @Test("the one-shot list (diff, apply) and --service-proxy-name: only the Services labelled for us")
    func serviceProxyName() async throws {
        let server = try FakeAPIServer()
        let client = try server.client()
        let all = try await KubernetesSource.listOnce(.init(node: "node-a"), client: client, base: DesiredState())
        #expect(all.state.services.count == 4)
        try server.control(
            "apply",
            """
            {"apiVersion": "v1", "kind": "Service",
             "metadata": {"name": "web", "namespace": "default", "labels": {"service.kubernetes.io/service-proxy-name": "ipvsctl-swift"}},
             "spec": {"type": "ClusterIP", "clusterIP": "198.51.100.10", "clusterIPs": ["198.51.100.10"],
                      "ports": [{"name": "http", "protocol": "TCP", "port": 80, "targetPort": 8080}]}}
            """)
        let ours = try await KubernetesSource.listOnce(
            .init(node: "node-a", serviceProxyName: "ipvsctl-swift"), client: client, base: DesiredState())
        let kubeProxys = try await KubernetesSource.listOnce(.init(node: "node-a"), client: client, base: DesiredState())
        try await client.shutdown()
        #expect(ours.state.services.map(\.name) == ["default/web"])
        #expect(Self.web(ours.state)?.endpoints.count == 0, "the slice, still labelled for kube-proxy, is not ours")
        #expect(kubeProxys.state.services.count == 3 && Self.web(kubeProxys.state) == nil)
    }
}
