import Foundation
import Testing

/// The fleet of `LabFleet` with the Kubernetes API as its source: every node's agent lists and
/// watches Services, EndpointSlices and its Node from the fake API server (HTTPS, a token read
/// from a file), with real packets from each node's client and from the outside.
extension KernelLab {
    @Suite
    struct KubernetesFleetLabTests {
        typealias VIP = LabFleet.VIP
        static let collectorZone = "198.51.100.22"

        /// `examples/kubernetes/fleet.json`'s EndpointSlice of default/web, with the endpoints of
        /// the given nodes' b1 backends.
        static func webSlice(_ nodes: [String]) -> String {
            let endpoints = nodes.map { node in
                """
                {"addresses": ["\(LabFleet.backendAddress(node, 1))"], "conditions": {"ready": true}, "nodeName": "\(node)"}
                """
            }
            return """
                {"apiVersion": "discovery.k8s.io/v1", "kind": "EndpointSlice",
                 "metadata": {"name": "web-x1", "namespace": "default", "labels": {"kubernetes.io/service-name": "web"}},
                 "addressType": "IPv4", "endpoints": [\(endpoints.joined(separator: ","))],
                 "ports": [{"name": "http", "protocol": "TCP", "port": 8080}]}
                """
        }

        /// default/shop as in the fleet's objects, labelled for another proxy when `proxyName` is set.
        static func shop(proxyName: String?) -> String {
            let labels = proxyName.map { #", "service.kubernetes.io/service-proxy-name": "\#($0)""# } ?? ""
            return """
                {"apiVersion": "v1", "kind": "Service",
                 "metadata": {"name": "shop", "namespace": "default", "labels": {"app": "shop"\(labels)}},
                 "spec": {"type": "LoadBalancer", "clusterIP": "198.51.100.30", "clusterIPs": ["198.51.100.30"],
                          "ports": [{"name": "http", "protocol": "TCP", "port": 80, "targetPort": 8080, "nodePort": 30080}],
                          "externalTrafficPolicy": "Local", "healthCheckNodePort": 30100},
                 "status": {"loadBalancer": {"ingress": [{"ip": "203.0.113.200", "ipMode": "VIP"}]}}}
                """
        }

        static func kernelCommands(_ agent: LabAgent) -> Double {
            agent.metrics().filter { $0.name == "ipvsctl_kernel_commands_total" }.reduce(0) { $0 + $1.value }
        }

        @Test(
            "Local, PreferSameZone and external Local with health ports, from Kubernetes objects; scaling and relabelling converge every node"
        )
        func policiesFromKubernetes() throws {
            let fleet = try LabFleet(source: .kubernetes)
            defer { fleet.tearDown() }
            let server = try #require(fleet.apiServer)

            // Local: each node's clients reach their own collector only.
            for node in LabFleet.nodes {
                for _ in 0..<3 { #expect(fleet.get(from: fleet.client(node), VIP.collector)?.backend == "\(node)/b0") }
            }
            // PreferSameZone: node-c is alone in zone-2; node-a and node-b share zone-1.
            for _ in 0..<3 { #expect(fleet.get(from: fleet.client("node-c"), Self.collectorZone)?.backend == "node-c/b0") }
            let zoneOne = Set((0..<6).compactMap { _ in fleet.get(from: fleet.client("node-a"), Self.collectorZone)?.backend })
            #expect(zoneOne == ["node-a/b0", "node-b/b0"], "zone-1's clients reached \(zoneOne)")

            // externalTrafficPolicy Local on a LoadBalancer: health ports and the client's own address.
            for node in ["node-a", "node-b"] { #expect(fleet.healthPort(node)?.status == 200) }
            #expect(fleet.healthPort("node-c")?.status == 503)
            try fleet.routeFromOutside(VIP.shopExternal, to: "node-a")
            let answer = fleet.get(from: fleet.outside, VIP.shopExternal)
            #expect(answer?.backend == "node-a/b1")
            #expect(answer?.sawClient == LabFleet.outsideAddress, "the backend saw \(String(describing: answer))")

            // Scaling down and up: every node follows the EndpointSlice.
            try server.apply(Self.webSlice(["node-a", "node-c"]))
            for node in LabFleet.nodes {
                try LabWait.until("\(node) dropped node-b's web server", seconds: 30) {
                    try fleet.realServerCount(node) == fleet.expectedRealServers(node) - 1
                }
                #expect(
                    try !fleet.rules(node).contains("-t \(VIP.web):80 -r \(LabFleet.backendAddress("node-b", 1)):8080"),
                    "\(node) still sends web traffic to node-b")
            }
            for _ in 0..<4 { #expect(fleet.get(from: fleet.client("node-b"), VIP.web)?.backend != "node-b/b1") }
            try server.apply(Self.webSlice(LabFleet.nodes))
            for node in LabFleet.nodes {
                try LabWait.until("\(node) has node-b's web server back", seconds: 30) {
                    try fleet.realServerCount(node) == fleet.expectedRealServers(node)
                }
            }

            // Relabelled for another proxy, the shop leaves our tables; labelled back, it returns.
            try server.apply(Self.shop(proxyName: "another-proxy"))
            for node in LabFleet.nodes {
                try LabWait.until("\(node) let go of the relabelled shop", seconds: 30) {
                    try !fleet.rules(node).contains("198.51.100.30:80")
                }
            }
            try server.apply(Self.shop(proxyName: nil))
            for node in LabFleet.nodes {
                try LabWait.until("\(node) serves the shop again", seconds: 30) {
                    try fleet.realServerCount(node) == fleet.expectedRealServers(node)
                }
            }
            for node in LabFleet.nodes {
                #expect(fleet.agent(node).metric("ipvsctl_kubernetes_objects", ["resource": "services"]) == 4)
                #expect((fleet.agent(node).metric("ipvsctl_desired_change_to_kernel_seconds_count") ?? 0) >= 4)
            }
        }

        @Test("the API server killed: tables and traffic stay; back with its history compacted: 410, relist, no kernel write")
        func apiServerOutage() throws {
            let fleet = try LabFleet(source: .kubernetes)
            defer { fleet.tearDown() }
            let server = try #require(fleet.apiServer)
            let before = try LabFleet.nodes.map { try fleet.rules($0) }
            let commands = LabFleet.nodes.map { Self.kernelCommands(fleet.agent($0)) }

            server.stop()
            // Longer than a resync and a watch's backoff: nothing changes, traffic flows.
            // A second try per request: curl's 3 s can run out on a loaded emulated machine, which
            // says nothing about the tables (compared exactly below).
            for _ in 0..<4 {
                for node in LabFleet.nodes {
                    let answered = fleet.get(from: fleet.client(node), VIP.web) ?? fleet.get(from: fleet.client(node), VIP.web)
                    #expect(answered != nil, "\(node)'s client got no answer twice in a row")
                }
                usleep(2_000_000)
            }
            #expect(try LabFleet.nodes.map { try fleet.rules($0) } == before, "a table changed while the API server was away")
            for node in LabFleet.nodes { #expect(fleet.agent(node).get("/readyz")?.status == 200) }

            // Back from its saved state, the history compacted past what the agents saw: every
            // watch resumes at a version the server no longer has, gets 410, and relists.
            func expiredRelists(_ node: String) -> Double {
                fleet.agent(node).metrics().filter {
                    $0.name == "ipvsctl_kubernetes_relists_total" && $0.labels["reason"] == "watchExpired"
                }
                .reduce(0) { $0 + $1.value }
            }
            let relistsBefore = LabFleet.nodes.map(expiredRelists)
            try server.start(restoring: true, writesWhileAway: 100)
            for (index, node) in LabFleet.nodes.enumerated() {
                try LabWait.until("\(node) relisted all three collections after 410", seconds: 120) {
                    expiredRelists(node) >= relistsBefore[index] + 3
                }
            }
            // The relist is counted when the agent decides on it, a moment before its request
            // reaches the server (after a wait when the watch expired at once): wait for those.
            var lists: [String: Int] = [:]
            do {
                try LabWait.until("the server served every node's relists", seconds: 60) {
                    lists = (try? server.requests()["list"]) ?? [:]
                    return (lists["services"] ?? 0) >= 3 && (lists["endpointslices"] ?? 0) >= 3
                }
            } catch {
                Issue.record("lists after the restart: \(lists)")
            }
            // A resync after the relist, then the count of kernel writes: unchanged.
            usleep(UInt32(LabFleet.resyncSeconds + 2) * 1_000_000)
            #expect(
                LabFleet.nodes.map { Self.kernelCommands(fleet.agent($0)) } == commands, "a relist of unchanged objects wrote to the kernel"
            )
            #expect(try LabFleet.nodes.map { try fleet.rules($0) } == before)
            for node in LabFleet.nodes { #expect(fleet.get(from: fleet.client(node), VIP.collector)?.backend == "\(node)/b0") }
        }
    }
}
