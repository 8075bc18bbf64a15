import Foundation
import Testing

/// The traffic-policy situations operators hit, on a fleet of three nodes in one kernel (see
/// `LabFleet`), each with its own agent and the same `examples/fleet.yaml`, with real packets
/// from each node's client namespace and from an outside client.
extension KernelLab {
    @Suite
    struct FleetLabTests {
        typealias VIP = LabFleet.VIP

        static func blackholed(_ fleet: LabFleet, _ node: String, _ service: String, _ policy: String) -> Double? {
            fleet.agent(node).metric("ipvsctl_service_blackholed", ["service": service, "traffic_policy": policy])
        }

        static let blackholeAlert = "IPVSCtlServiceBlackholed"

        /// The blackhole alerts of one service in `prometheus` (pending or firing), as
        /// (instance, traffic_policy, alertstate).
        static func blackholeAlerts(_ prometheus: LabPrometheus, _ service: String) -> [[String?]]? {
            prometheus.alerts(blackholeAlert)?.filter { $0["service"] == service }
                .map { [$0["instance"], $0["traffic_policy"], $0["alertstate"]] }
        }

        @Test(
            "Local: each node reaches only its own collector; with it down or crash-looping, that node refuses and is blackholed there only, and a real Prometheus with our rules alerts for that node only"
        )
        func nodeLocalCollector() throws {
            let fleet = try LabFleet(metricsOnFabric: true)
            defer { fleet.tearDown() }
            // Debian's Prometheus on the outside namespace (the fleet's monitoring host) scrapes
            // the three agents on their fabric addresses with deploy/prometheus's rules. Only the
            // blackhole alert's `for:` is cut, from 5m to 15s, in the server's copy of the file:
            // the test waits seconds, not minutes (promtool's tests check the real one).
            let prometheus = try LabPrometheus(
                namespace: fleet.outside, targets: LabFleet.nodes.map(fleet.metricsTarget),
                forOverrides: [Self.blackholeAlert: "15s"])
            defer { prometheus.stop() }
            var prometheusSeconds = 0.0  // what Prometheus adds to this test, waiting for it
            try prometheus.launch()
            for node in LabFleet.nodes {
                for _ in 0..<3 { #expect(fleet.get(from: fleet.client(node), VIP.collector)?.backend == "\(node)/b0") }
            }
            var started = Date()
            try prometheus.waitUntilReady()
            // Every agent is scraped and shows the collector: "that node only" then means something.
            try LabWait.until("Prometheus scrapes the three agents", seconds: 60) {
                prometheus.query("ipvsctl_service_blackholed{service=\"monitoring/collector\"} == 0")?.count == 3
            }
            #expect(Self.blackholeAlerts(prometheus, "monitoring/collector") == [])
            prometheusSeconds += Date().timeIntervalSince(started)

            fleet.stopBackend("node-b", 0)
            try LabWait.until("node-b shows the collector as blackholed", seconds: 20) {
                Self.blackholed(fleet, "node-b", "monitoring/collector", "internal") == 1
            }
            // Pending for the `for:`, then firing, for node-b's instance only.
            started = Date()
            let nodeB = fleet.metricsTarget("node-b")
            var states: [String] = []
            try LabWait.until("Prometheus fires the blackhole alert for node-b", seconds: 60) {
                let alerts = Self.blackholeAlerts(prometheus, "monitoring/collector") ?? []
                #expect(alerts.allSatisfy { $0[0] == nodeB && $0[1] == "internal" }, "alerts for other nodes: \(alerts)")
                if let first = alerts.first, let state = first[2], states.last != state { states.append(state) }
                return states.last == "firing"
            }
            #expect(states == ["pending", "firing"])
            #expect(Self.blackholeAlerts(prometheus, "monitoring/collector") == [[nodeB, "internal", "firing"]])
            #expect(
                prometheus.query("service_traffic_policy:ipvsctl_service_blackholed:nodes{service=\"monitoring/collector\"}")?
                    .map(\.value) == [1])
            prometheusSeconds += Date().timeIntervalSince(started)
            #expect(fleet.agent("node-b").metric("ipvsctl_blackholed_services", ["traffic_policy": "internal"]) == 1)
            for node in ["node-a", "node-c"] {
                #expect(Self.blackholed(fleet, node, "monitoring/collector", "internal") == 0)
                #expect(fleet.agent(node).metric("ipvsctl_blackholed_services", ["traffic_policy": "internal"]) == 0)
                #expect(fleet.get(from: fleet.client(node), VIP.collector)?.backend == "\(node)/b0")
            }
            for _ in 0..<5 {
                let attempt = fleet.attempt(from: fleet.client("node-b"), VIP.collector)
                #expect(attempt.status == 7, "expected connection refused, got \(attempt)")
            }

            // Crash-looping: up for a moment, down again, while node-b's client keeps asking.
            let stop = NSTemporaryDirectory() + "ipvsctl-fleet-stop-\(UInt32.random(in: 0...UInt32.max))"
            let (client, output) = try LabPeers.startClient(in: fleet.client("node-b"), "http-loop", VIP.collector, "80", stop)
            for _ in 0..<3 {
                try fleet.startBackend("node-b", 0)
                usleep(1_500_000)
                fleet.stopBackend("node-b", 0)
                usleep(1_500_000)
            }
            FileManager.default.createFile(atPath: stop, contents: nil)
            client.waitUntilExit()
            let answers = ((try? String(contentsOfFile: output, encoding: .utf8)) ?? "").split(separator: "\n")
            // A sanity bound only (requests to a dead backend can take seconds each under
            // emulation): what matters is where the answered ones came from.
            #expect(answers.count >= 5, "the client made \(answers.count) requests")
            let elsewhere = answers.filter { $0.hasPrefix("ok ") && !$0.hasPrefix("ok node-b/b0 ") }
            #expect(elsewhere.isEmpty, "node-b's traffic reached another node's collector: \(elsewhere)")

            // Back for good: traffic resumes without anyone doing anything.
            try fleet.startBackend("node-b", 0)
            try LabWait.until("node-b's client reaches its collector again", seconds: 20) {
                fleet.get(from: fleet.client("node-b"), VIP.collector)?.backend == "node-b/b0"
            }
            try LabWait.until("node-b no longer shows the collector as blackholed", seconds: 30) {
                Self.blackholed(fleet, "node-b", "monitoring/collector", "internal") == 0
            }
            started = Date()
            try LabWait.until("the collector's blackhole alert is gone", seconds: 30) {
                Self.blackholeAlerts(prometheus, "monitoring/collector") == []
            }
            prometheusSeconds += Date().timeIntervalSince(started)
            // What stays is by design: node-c has no shop endpoint and the shop's external policy
            // is Local (policiesAreIndependent), so the same rule reports it, on node-c alone.
            let remaining = prometheus.alerts(Self.blackholeAlert)?.map { [$0["instance"], $0["service"], $0["traffic_policy"]] }
            #expect(remaining == [[fleet.metricsTarget("node-c"), "default/shop", "external"]])
            print("fleet \(fleet.prefix): Prometheus added \(Int(prometheusSeconds.rounded())) s of waiting to this test")
        }

        @Test("PreferLocal: with the local collector down, traffic goes to other nodes and the fallback shows on /metrics")
        func preferLocalFallsBack() throws {
            let fleet = try LabFleet()
            defer { fleet.tearDown() }
            for node in LabFleet.nodes {
                #expect(fleet.get(from: fleet.client(node), VIP.collectorNearby)?.backend == "\(node)/b0")
                #expect(fleet.agent(node).metric("ipvsctl_fallback_services", ["traffic_policy": "internal"]) == 0)
            }

            fleet.stopBackend("node-b", 0)
            try LabWait.until("node-b shows the fallback", seconds: 20) {
                fleet.agent("node-b").metric(
                    "ipvsctl_service_fallback", ["service": "monitoring/collector-nearby", "traffic_policy": "internal"]) == 1
            }
            #expect(fleet.agent("node-b").metric("ipvsctl_fallback_services", ["traffic_policy": "internal"]) == 1)
            #expect(
                Self.blackholed(fleet, "node-b", "monitoring/collector-nearby", "internal") == 0,
                "a fallback is never counted as blackholed")
            let served = Set((0..<4).compactMap { _ in fleet.get(from: fleet.client("node-b"), VIP.collectorNearby)?.backend })
            #expect(served == ["node-a/b0", "node-c/b0"])
            for node in ["node-a", "node-c"] {
                #expect(fleet.agent(node).metric("ipvsctl_fallback_services", ["traffic_policy": "internal"]) == 0)
            }

            try fleet.startBackend("node-b", 0)
            try LabWait.until("node-b's client is served locally again", seconds: 20) {
                fleet.get(from: fleet.client("node-b"), VIP.collectorNearby)?.backend == "node-b/b0"
            }
            #expect(fleet.agent("node-b").metric("ipvsctl_fallback_services", ["traffic_policy": "internal"]) == 0)
        }

        @Test("Cluster: round robin spreads each node's traffic evenly over every node's backends, keeping the client's address")
        func clusterSpreads() throws {
            let fleet = try LabFleet()
            defer { fleet.tearDown() }
            let everyWebServer = LabFleet.nodes.map { "\($0)/b1" }
            for node in LabFleet.nodes {
                var counts: [String: Int] = [:]
                for _ in 0..<6 {
                    let answer = fleet.get(from: fleet.client(node), VIP.web)
                    #expect(answer?.sawClient == LabFleet.clientAddress(node), "the backend saw \(String(describing: answer))")
                    counts[answer?.backend ?? "failed", default: 0] += 1
                }
                // rr over three real servers: six requests, two each, whichever node asks.
                #expect(counts == Dictionary(uniqueKeysWithValues: everyWebServer.map { ($0, 2) }), "from \(node): \(counts)")
            }
        }

        @Test(
            "externalTrafficPolicy Local: the health port says 200 where a local backend is, 503 elsewhere; the backend sees the client's own address"
        )
        func externalLocalBehindLoadBalancer() throws {
            let fleet = try LabFleet()
            defer { fleet.tearDown() }
            for node in ["node-a", "node-b"] {
                let answer = fleet.healthPort(node)
                #expect(answer?.status == 200, "\(node): \(String(describing: answer))")
                #expect(answer?.body.contains("\"localEndpoints\":1") == true)
            }
            let nodeC = fleet.healthPort("node-c")
            #expect(nodeC?.status == 503, "node-c: \(String(describing: nodeC))")
            #expect(nodeC?.body.contains("\"localEndpoints\":0") == true)

            for node in ["node-a", "node-b"] {
                try fleet.routeFromOutside(VIP.shopExternal, to: node)
                for _ in 0..<3 {
                    let answer = fleet.get(from: fleet.outside, VIP.shopExternal)
                    #expect(answer?.backend == "\(node)/b1", "via \(node): \(String(describing: answer))")
                    #expect(answer?.sawClient == LabFleet.outsideAddress, "the backend saw \(String(describing: answer))")
                }
            }

            // The local backend of node-a dies: its health port turns 503 by itself.
            fleet.stopBackend("node-a", 1)
            try LabWait.until("node-a's health port answers 503", seconds: 20) { fleet.healthPort("node-a")?.status == 503 }
            #expect(fleet.healthPort("node-b")?.status == 200)
        }

        @Test("internal Cluster and external Local on one service: each kind of VIP follows its own policy")
        func policiesAreIndependent() throws {
            let fleet = try LabFleet()
            defer { fleet.tearDown() }
            // node-c has no shop endpoint: its cluster IP still serves, from the other nodes...
            let served = Set((0..<4).compactMap { _ in fleet.get(from: fleet.client("node-c"), VIP.shop)?.backend })
            #expect(served == ["node-a/b1", "node-b/b1"])
            #expect(Self.blackholed(fleet, "node-c", "default/shop", "internal") == 0)
            // ...while its external IP refuses, and says so.
            try fleet.routeFromOutside(VIP.shopExternal, to: "node-c")
            for _ in 0..<3 {
                let attempt = fleet.attempt(from: fleet.outside, VIP.shopExternal)
                #expect(attempt.status == 7, "expected connection refused, got \(attempt)")
            }
            #expect(Self.blackholed(fleet, "node-c", "default/shop", "external") == 1)
            #expect(fleet.agent("node-c").metric("ipvsctl_blackholed_services", ["traffic_policy": "external"]) == 1)
            for node in ["node-a", "node-b"] {
                #expect(Self.blackholed(fleet, node, "default/shop", "external") == 0)
                #expect(Self.blackholed(fleet, node, "default/shop", "internal") == 0)
            }
        }

        @Test("a rolling restart of every agent while traffic flows: no request fails, no rule is rewritten")
        func rollingRestart() throws {
            // What is measured is the restart: the checks are made patient (3 s, three failures in
            // a row), so that a probe slowed by the loaded, emulated CPUs cannot take a backend
            // out and be mistaken for a rewrite. A restarted agent still judges every endpoint
            // afresh; a real stall would still fail the readiness bound or the clients.
            let fleet = try LabFleet(editConfig: {
                $0.replacingOccurrences(
                    of: "intervalSeconds: 2, timeoutSeconds: 2, rise: 2, fall: 2",
                    with: "intervalSeconds: 3, timeoutSeconds: 3, rise: 2, fall: 3"
                )
                .replacingOccurrences(
                    of: "intervalSeconds: 2, timeoutSeconds: 1, rise: 2, fall: 2",
                    with: "intervalSeconds: 3, timeoutSeconds: 3, rise: 2, fall: 3")
            })
            defer { fleet.tearDown() }
            let before = try LabFleet.nodes.map { try fleet.rules($0) }
            let stop = NSTemporaryDirectory() + "ipvsctl-fleet-stop-\(UInt32.random(in: 0...UInt32.max))"
            // Two requests a second per client: enough traffic to see one fail, not so much that
            // six clients and their backends starve the agents being restarted.
            let clients = try LabFleet.nodes.flatMap { node in
                try [VIP.web, VIP.collector].map { try LabPeers.startClient(in: fleet.client(node), "http-loop", $0, "80", stop, "0.5") }
            }
            // Six Python clients starting at once starve two emulated CPUs for many seconds (their
            // imports alone take seconds): restart the agents only once every client is sending,
            // so that what is measured is the restart, not the clients' start.
            try LabWait.until("every client is sending", seconds: 90) {
                clients.allSatisfy { ((try? String(contentsOfFile: $0.output, encoding: .utf8)) ?? "").contains("\n") }
            }
            for node in LabFleet.nodes {
                let agent = fleet.agent(node)
                agent.stop(SIGTERM)
                #expect(agent.log.contains("the kernel table is left as it is"))
                try agent.start(resyncSeconds: LabFleet.resyncSeconds)
                let writes = agent.metrics().filter { $0.name == "ipvsctl_kernel_commands_total" && $0.value != 0 }
                #expect(
                    writes.isEmpty,
                    "\(node) wrote to the kernel on restart: \(writes.map { "\($0.labels) \($0.value)" }); log:\n\(agent.log)")
            }
            usleep(1_000_000)
            FileManager.default.createFile(atPath: stop, contents: nil)
            var requests = 0
            for (client, output) in clients {
                client.waitUntilExit()
                let lines = ((try? String(contentsOfFile: output, encoding: .utf8)) ?? "").split(separator: "\n")
                requests += lines.count
                let failures = lines.filter { !$0.hasPrefix("ok ") }
                #expect(failures.isEmpty, "requests failed during the restart: \(failures)")
            }
            #expect(requests >= 30, "the clients made \(requests) requests")
            #expect(try LabFleet.nodes.map { try fleet.rules($0) } == before)
        }
    }
}
