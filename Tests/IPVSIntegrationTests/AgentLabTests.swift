import Foundation
import Testing

/// `ipvsctl-swift run` on a lab node with real backends and real traffic: health checks take
/// dead backends out and put them back, `Local` blackholes instead of rerouting, removals drain
/// and survive a SIGKILL, a broken reload changes nothing, UDP clients fail over, and a restart
/// rewrites nothing.
extension KernelLab {
    @Suite
    struct AgentLabTests {
        static let vip = "198.51.100.10"

        static func healthCheck(_ type: String = "tcp", extra: String = "") -> String {
            "{type: \(type), intervalSeconds: 0.5, timeoutSeconds: 0.4, rise: 2, fall: 2, jitter: 0\(extra)}"
        }

        static func webConfig(
            policy: String = "Cluster", nodes: [String] = ["node-a", "node-a"], healthCheck: String? = Self.healthCheck(),
            extra: String = ""
        ) -> String {
            """
            nodes:
              node-a: {addresses: [192.0.2.101]}
              node-b: {addresses: [192.0.2.102]}
            services:
              - name: default/web
                clusterIPs: [\(vip)]
                ports: [{port: 80, targetPort: 8080}]
                internalTrafficPolicy: \(policy)
            \(healthCheck.map { "    healthCheck: \($0)" } ?? "")
            \(extra)
                endpoints:
            \(nodes.enumerated().map { "      - {address: \(LabTopology.backendAddress($0.offset)), node: \($0.element)}" }.joined(separator: "\n"))
            """
        }

        static func realServers(_ namespace: String) throws -> [String] {
            try Shell.run("ip", "netns", "exec", namespace, "ipvsadm", "-Sn").split(separator: "\n").filter { $0.hasPrefix("-a") }.map(
                String.init)
        }

        static func hasRealServer(_ namespace: String, _ index: Int) throws -> Bool {
            try realServers(namespace).contains { $0.contains("-r \(LabTopology.backendAddress(index)):") }
        }

        @Test("a dead backend leaves the kernel, traffic goes on to the others, and it returns after rise")
        func deadBackendLeavesAndReturns() throws {
            let lab = try LabTopology()
            defer { lab.tearDown() }
            try lab.addBackend(named: "backend-0")
            try lab.addBackend(named: "backend-1")
            let agent = try LabAgent(namespace: lab.director, config: Self.webConfig(), node: "node-a")
            try agent.start()
            defer { agent.stop() }
            try LabWait.until("both backends are in the kernel", seconds: 30) {
                try Self.hasRealServer(lab.director, 0) && Self.hasRealServer(lab.director, 1)
            }

            try lab.stopServer(0)
            let gone = try LabWait.until("backend-0 leaves", seconds: 30) { try !Self.hasRealServer(lab.director, 0) }
            print("backend-0 left the kernel \(gone) s after it died (fall 2 × interval 0.5 s + timeout 0.4 s)")
            for _ in 0..<4 { #expect(lab.get(Self.vip) == "backend-1") }
            #expect(agent.metric("ipvsctl_service_endpoints", ["service": "default/web", "state": "unhealthy"]) == 1)

            try lab.startServer(0)
            let back = try LabWait.until("backend-0 returns", seconds: 30) { try Self.hasRealServer(lab.director, 0) }
            print("backend-0 returned \(back) s after it restarted (rise 2)")
            let answers = Set((0..<4).compactMap { _ in lab.get(Self.vip) })
            #expect(answers == ["backend-0", "backend-1"])
            #expect((agent.metric("ipvsctl_health_transitions_total", ["to": "unhealthy"]) ?? 0) >= 1)
        }

        @Test("Local with its only local backend dead: blackholed on /metrics, clients refused, never rerouted; health port 503")
        func localBlackholed() throws {
            let lab = try LabTopology()
            defer { lab.tearDown() }
            try lab.addBackend(named: "backend-0")
            try lab.addBackend(named: "backend-1")
            let extra = """
                    externalIPs: [192.0.2.10]
                    externalTrafficPolicy: Local
                    healthCheckNodePort: 30100
                """
            let agent = try LabAgent(
                namespace: lab.director, config: Self.webConfig(policy: "Local", nodes: ["node-a", "node-b"], extra: extra), node: "node-a")
            try agent.start()
            defer { agent.stop() }
            try LabWait.until("the local backend serves", seconds: 30) { lab.get(Self.vip) == "backend-0" }
            #expect(agent.metric("ipvsctl_service_blackholed", ["service": "default/web", "traffic_policy": "internal"]) == 0)
            #expect(Self.healthPort(lab)?.status == 200)
            #expect(Self.healthPort(lab)?.body.contains("\"localEndpoints\":1") == true)

            try lab.stopServer(0)
            try LabWait.until("the service is blackholed on /metrics", seconds: 30) {
                agent.metric("ipvsctl_service_blackholed", ["service": "default/web", "traffic_policy": "internal"]) == 1
            }
            #expect(agent.metric("ipvsctl_blackholed_services", ["traffic_policy": "internal"]) == 1)
            #expect(agent.metric("ipvsctl_blackholed_services", ["traffic_policy": "external"]) == 1)
            for _ in 0..<3 {
                let attempt = lab.attempt(Self.vip)
                #expect(attempt.status == 7, "expected connection refused, got \(attempt)")
            }
            #expect(lab.get(Self.vip) != "backend-1")
            #expect(Self.healthPort(lab)?.status == 503)

            try lab.startServer(0)
            try LabWait.until("traffic resumes by itself", seconds: 30) { lab.get(Self.vip) == "backend-0" }
            #expect(agent.metric("ipvsctl_service_blackholed", ["service": "default/web", "traffic_policy": "internal"]) == 0)
        }

        static func healthPort(_ lab: LabTopology) -> (status: Int, body: String)? {
            guard
                let result = try? Shell.runCapturing([
                    "ip", "netns", "exec", lab.director, "curl", "-sS", "-m", "3", "-w", "\n%{http_code}",
                    "http://127.0.0.1:30100/",
                ]), result.status == 0
            else { return nil }
            var lines = result.stdout.split(separator: "\n")
            guard let code = lines.popLast().flatMap({ Int($0) }) else { return nil }
            return (code, lines.joined(separator: "\n"))
        }

        @Test("a long-lived connection survives its backend's removal (drain), across a SIGKILL of the agent; then the real server goes")
        func drainSurvivesSigkill() throws {
            let lab = try LabTopology()
            defer { lab.tearDown() }
            try lab.addBackend(named: "backend-0")
            try lab.addBackend(named: "backend-1")
            let echoes = try [0, 1].map { try LabPeers.start(in: lab.backends[$0], "tcp-echo", "9000") }
            defer { echoes.forEach { $0.terminate() } }
            func config(_ endpoints: [Int]) -> String {
                """
                services:
                  - name: default/echo
                    clusterIPs: [\(Self.vip)]
                    ports: [{port: 9000}]
                    drainSeconds: 300
                    endpoints:
                \(endpoints.map { "      - {address: \(LabTopology.backendAddress($0)), node: node-a}" }.joined(separator: "\n"))
                """
            }
            let agent = try LabAgent(namespace: lab.director, config: config([0, 1]), node: "node-a")
            try agent.start()
            try LabWait.until("both real servers exist", seconds: 30) { try Self.realServers(lab.director).count == 2 }

            // A client holds one connection, a line every 0.25 s, until told to close it.
            let stopFile = NSTemporaryDirectory() + "ipvsctl-hold-stop-\(UInt32.random(in: 0...UInt32.max))"
            let (client, output) = try LabPeers.startClient(in: lab.director, "tcp-hold", Self.vip, "9000", stopFile)
            var busy = -1
            try LabWait.until("the connection is established", seconds: 30) {
                let listing = try Shell.run("ip", "netns", "exec", lab.director, "ipvsadm", "-Ln")
                for index in 0..<2 {
                    let row = listing.split(separator: "\n").first { $0.contains(LabTopology.backendAddress(index) + ":9000") }
                    if let row, row.split(separator: " ").dropFirst(4).first == "1" { busy = index }
                }
                return busy >= 0
            }
            let other = 1 - busy

            // Remove the busy backend: it drains at weight 0 and keeps its connection.
            try agent.rewrite(config: config([other]))
            try LabWait.until("the busy real server drains at weight 0", seconds: 30) {
                try Self.realServers(lab.director).contains { $0.contains(LabTopology.backendAddress(busy)) && $0.hasSuffix("-w 0") }
            }
            agent.stop(SIGKILL)
            let before = try Self.realServers(lab.director)
            try agent.start()
            defer { agent.stop() }
            #expect(try Self.realServers(lab.director) == before, "the restart rewrote something")
            #expect(agent.metric("ipvsctl_kernel_commands_total", ["kind": "update_real_server"]) == nil)
            #expect(agent.metric("ipvsctl_draining_real_servers") == 1)

            // The connection still works through the drained real server; now it closes.
            FileManager.default.createFile(atPath: stopFile, contents: nil)
            client.waitUntilExit()
            let result = (try? String(contentsOfFile: output, encoding: .utf8)) ?? ""
            #expect(client.terminationStatus == 0, "the held connection broke: \(result)")
            #expect(result.hasPrefix("ok "))
            // Closed with RST, the connection leaves IPVS's table within its CLOSE timeout (10 s);
            // the drain ends then, long before its 300 s deadline.
            try LabWait.until("the drained real server is deleted", seconds: 60) {
                try !Self.realServers(lab.director).contains { $0.contains(LabTopology.backendAddress(busy)) }
            }
            #expect(try Self.realServers(lab.director).count == 1)
            #expect(agent.metric("ipvsctl_draining_real_servers") == 0)
        }

        @Test("a broken config on reload changes nothing and is reported; the last good one stays in force")
        func brokenReload() throws {
            let lab = try LabTopology()
            defer { lab.tearDown() }
            try lab.addBackend(named: "backend-0")
            let agent = try LabAgent(namespace: lab.director, config: Self.webConfig(nodes: ["node-a"], healthCheck: nil), node: "node-a")
            try agent.start()
            defer { agent.stop() }
            let rules = try Shell.run("ip", "netns", "exec", lab.director, "ipvsadm", "-Sn")
            try agent.rewrite(config: "services:\n  - name: default/web\n    clusterIPs: [not-an-address]\n")
            agent.signal(SIGHUP)
            try LabWait.until("the reload failure is on /metrics", seconds: 30) {
                (agent.metric("ipvsctl_config_reloads_total", ["result": "failure"]) ?? 0) >= 1
            }
            #expect(agent.metric("ipvsctl_config_last_reload_successful") == 0)
            #expect(try Shell.run("ip", "netns", "exec", lab.director, "ipvsadm", "-Sn") == rules)
            #expect(agent.get("/healthz")?.status == 200)
            #expect(lab.get(Self.vip) == "backend-0")
            #expect(agent.log.contains("config rejected"))
            #expect(agent.log.contains(":3:"), "the log names the problem's line")
        }

        @Test("a DNS-like UDP client fails over to a live backend within the stated bound")
        func udpFailover() throws {
            let lab = try LabTopology()
            defer { lab.tearDown() }
            try lab.addBackend(named: "backend-0")
            try lab.addBackend(named: "backend-1")
            let servers = try [0, 1].map { try LabPeers.start(in: lab.backends[$0], "udp-name", "5353", "backend-\($0)") }
            defer { servers.forEach { $0.terminate() } }
            let config = """
                kernel:
                  expireNoDestConn: true
                services:
                  - name: kube-system/dns
                    clusterIPs: [\(Self.vip)]
                    ports: [{port: 53, targetPort: 5353, protocol: UDP}]
                    healthCheck: \(Self.healthCheck("udp", extra: ", send: query"))
                    endpoints:
                      - {address: \(LabTopology.backendAddress(0)), node: node-a}
                      - {address: \(LabTopology.backendAddress(1)), node: node-a}
                """
            let agent = try LabAgent(namespace: lab.director, config: config, node: "node-a")
            try agent.start()
            defer { agent.stop() }
            try LabWait.until("both real servers exist", seconds: 30) { try Self.realServers(lab.director).count == 2 }

            let stopFile = NSTemporaryDirectory() + "ipvsctl-udp-stop-\(UInt32.random(in: 0...UInt32.max))"
            let (client, output) = try LabPeers.startClient(in: lab.director, "udp-client", Self.vip, "53", stopFile)
            defer { FileManager.default.createFile(atPath: stopFile, contents: nil) }
            // "UNIX-TIME NAME" per query ("-" or "-ERRNO": no answer); the client and this test share the VM's clock.
            func answers() -> [(time: Double, name: String)] {
                ((try? String(contentsOfFile: output, encoding: .utf8)) ?? "").split(separator: "\n").compactMap { line in
                    let parts = line.split(separator: " ")
                    guard parts.count == 2, let time = Double(parts[0]) else { return nil }
                    return (time, String(parts[1]))
                }
            }
            try LabWait.until("the client gets answers", seconds: 30) { answers().count { !$0.name.hasPrefix("-") } >= 5 }
            let first = answers().first { !$0.name.hasPrefix("-") }!.name
            let dead = first == "backend-0" ? 0 : 1
            let survivor = "backend-\(1 - dead)"
            let killedAt = Date().timeIntervalSince1970
            servers[dead].terminate()
            servers[dead].waitUntilExit()
            do {
                try LabWait.until("the client gets ten answers from \(survivor)", seconds: 30) {
                    answers().count { $0.time > killedAt && $0.name == survivor } >= 10
                }
            } catch {
                // What a failure needs to be understood: the client's view, the kernel's, the agent's.
                let client = answers().suffix(20).map { "\($0.time) \($0.name)" }.joined(separator: "\n")
                let table = (try? Shell.run("ip", "netns", "exec", lab.director, "ipvsadm", "-Ln")) ?? ""
                let connections = (try? Shell.run("ip", "netns", "exec", lab.director, "ipvsadm", "-Lnc")) ?? ""
                let flows = (try? Shell.run("ip", "netns", "exec", lab.director, "conntrack", "-L")) ?? ""
                throw LabWait.TimedOut(
                    what: "the client gets ten answers from \(survivor) (killed \(killedAt)); client:\n\(client)\n"
                        + "table:\n\(table)\nconnections:\n\(connections)\nconntrack:\n\(flows)\nagent log:\n\(agent.log)")
            }
            FileManager.default.createFile(atPath: stopFile, contents: nil)
            client.waitUntilExit()

            let after = answers().filter { $0.time > killedAt }
            let recovered = after.first { $0.name == survivor }
            let failover = (recovered?.time ?? .infinity) - killedAt
            print("UDP failover: \(failover) s from the backend's death to the first answer from \(survivor)")
            let errors = Dictionary(grouping: after.map(\.name).filter { $0.hasPrefix("-E") }) { $0 }.mapValues(\.count)
            print("UDP client: socket errors after the backend's death: \(errors)")
            // Bound: fall 2 × interval 0.5 s + timeout 0.4 s to notice, one reconcile, one client retry, with slack for emulation.
            #expect(failover <= 5, "failover took \(failover) s")
            #expect(after.suffix(10).allSatisfy { $0.name == survivor }, "the client did not stay on the live backend")
        }

        @Test("SIGTERM leaves the table; a restart adopts its ledger and rewrites nothing; traffic counters on /metrics")
        func restartRewritesNothing() throws {
            let lab = try LabTopology()
            defer { lab.tearDown() }
            try lab.addBackend(named: "backend-0")
            let agent = try LabAgent(namespace: lab.director, config: Self.webConfig(nodes: ["node-a"], healthCheck: nil), node: "node-a")
            try agent.start()
            for _ in 0..<3 { #expect(lab.get(Self.vip) == "backend-0") }
            try LabWait.until("the kernel's counters show on /metrics", seconds: 30) {
                (agent.metric(
                    "ipvsctl_virtual_service_connections_total",
                    ["local_address": Self.vip, "local_port": "80", "proto": "TCP", "service": "default/web"]) ?? 0) >= 3
            }
            let rules = try Shell.run("ip", "netns", "exec", lab.director, "ipvsadm", "-Sn")
            agent.stop(SIGTERM)
            #expect(agent.log.contains("the kernel table is left as it is"))
            #expect(try Shell.run("ip", "netns", "exec", lab.director, "ipvsadm", "-Sn") == rules)
            #expect(lab.get(Self.vip) == "backend-0", "traffic flows with the agent stopped")
            try agent.start()
            defer { agent.stop() }
            #expect(try Shell.run("ip", "netns", "exec", lab.director, "ipvsadm", "-Sn") == rules)
            #expect(agent.metrics().filter { $0.name == "ipvsctl_kernel_commands_total" }.allSatisfy { $0.value == 0 })
            #expect(agent.metric("ipvsctl_reconciles_total", ["trigger": "start", "result": "success"]) == 1)
        }
    }
}
