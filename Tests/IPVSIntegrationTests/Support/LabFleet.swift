import Foundation
import Testing

/// Three nodes in one kernel, built by `Integration/fleet.sh` (read its header for the address
/// plan): each node a namespace with its own IPVS table and its own `ipvsctl-swift run`, all of
/// them reading `examples/fleet.yaml`; two backends behind each node (b0 a collector, b1 a web
/// server, both answering "NAME CLIENT-ADDRESS"), a client namespace per node, and an outside
/// client on the nodes' segment.
final class LabFleet {
    static let nodes = ["node-a", "node-b", "node-c"]

    static var repository: URL {
        URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent()
    }
    static var script: String { repository.appendingPathComponent("Integration/fleet.sh").path }
    static var config: String { repository.appendingPathComponent("examples/fleet.yaml").path }

    /// Where the agents' desired state comes from.
    enum Source {
        /// `examples/fleet.yaml`.
        case file
        /// `examples/kubernetes/fleet.json`, served by the fake API server in the outside
        /// namespace, with `examples/kubernetes/fleet-defaults.yaml` for what Kubernetes has no
        /// field for.
        case kubernetes
    }

    /// The fleet's virtual IPs, as `examples/fleet.yaml` declares them.
    enum VIP {
        static let collector = "198.51.100.20"
        static let collectorNearby = "198.51.100.21"
        static let web = "198.51.100.10"
        static let webExternal = "203.0.113.210"
        static let webBalancer = "203.0.113.220"
        static let dns = "198.51.100.53"
        static let shop = "198.51.100.30"
        static let shopExternal = "203.0.113.200"
    }

    static let outsideAddress = "192.0.2.250"
    static let resyncSeconds = 10
    static let healthCheckNodePort = 30100

    static func index(_ node: String) -> Int { nodes.firstIndex(of: node)! }
    static func nodeAddress(_ node: String) -> String { "192.0.2.\(1 + index(node))" }
    static func clientAddress(_ node: String) -> String { "198.51.100.\(128 + 16 * index(node) + 2)" }
    static func backendAddress(_ node: String, _ backend: Int) -> String { "203.0.113.\(32 * index(node) + 4 * backend + 2)" }

    /// An `editConfig` that left the config as it was: the test would not run what it says.
    struct ConfigEditChangedNothing: Error {}

    let prefix: String
    let source: Source
    /// The API server of a `.kubernetes` fleet.
    private(set) var apiServer: LabFakeAPIServer?
    private(set) var agents: [String: LabAgent] = [:]
    private var servers: [String: Process] = [:]

    /// Builds the topology, starts every backend and every node's agent, and waits until each
    /// node has every real server its policies allow. `prepare` runs once the namespaces exist
    /// and before any agent starts (another tool's rules, say). With `metricsOnFabric`, each
    /// agent serves its metrics on its node's fabric address (``metricsTarget(_:)``), where a
    /// Prometheus server in the outside namespace scrapes it, as docs/operations.md sets up a node;
    /// otherwise on its namespace's loopback. `editConfig` rewrites the text of
    /// `examples/fleet.yaml` for this fleet only (a `.file` fleet); it must change something.
    init(
        source: Source = .file, metricsOnFabric: Bool = false, prepare: (LabFleet) throws -> Void = { _ in },
        editConfig: ((String) -> String)? = nil
    ) throws {
        prefix = "fleet\(UInt16.random(in: 0...UInt16.max))"
        self.source = source
        var configPath = Self.config
        if let editConfig {
            let original = try String(contentsOfFile: Self.config, encoding: .utf8)
            let edited = editConfig(original)
            guard edited != original else { throw ConfigEditChangedNothing() }
            configPath = NSTemporaryDirectory() + "\(prefix)-fleet.yaml"
            try edited.write(toFile: configPath, atomically: true, encoding: .utf8)
        }
        let started = Date()
        func progress(_ what: String) { print("fleet \(prefix): \(what) after \(Int(Date().timeIntervalSince(started))) s") }
        try Shell.run(Self.script, "up", prefix)
        progress("topology up")
        do {
            // Everything starts side by side; then we wait for all of it.
            let backends = Self.nodes.flatMap { node in (0..<2).map { (node, $0) } }
            for (node, backend) in backends { try launchBackend(node, backend) }
            for (node, backend) in backends { try waitUntilListening(node, backend) }
            progress("backends listen")
            try prepare(self)
            if source == .kubernetes {
                let server = try LabFakeAPIServer(
                    namespace: outside, address: Self.outsideAddress,
                    objects: [Self.repository.appendingPathComponent("examples/kubernetes/fleet.json").path])
                try server.start()
                apiServer = server
                progress("fake API server up")
            }
            for node in Self.nodes {
                let metricsHost = metricsOnFabric ? Self.nodeAddress(node) : "127.0.0.1"
                let agent =
                    source == .file
                    ? LabAgent(namespace: namespace(node), configPath: configPath, node: node, metricsHost: metricsHost)
                    : LabAgent(
                        namespace: namespace(node),
                        configPath: Self.repository.appendingPathComponent("examples/kubernetes/fleet-defaults.yaml").path,
                        node: node, metricsHost: metricsHost, kubeconfig: apiServer!.kubeconfigPath)
                agents[node] = agent
                // Three agents share the emulated CPUs: resync at a calm pace.
                try agent.launch(resyncSeconds: Self.resyncSeconds)
            }
            for agent in agents.values { try agent.waitUntilReady() }
            progress("agents ready")
            for node in Self.nodes {
                try LabWait.until("\(node) has all its real servers", seconds: 60) {
                    try realServerCount(node) == expectedRealServers(node)
                }
            }
            progress("every real server in place")
        } catch {
            tearDown()
            throw error
        }
    }

    /// What `examples/fleet.yaml` puts in a node's table with every backend healthy: the local
    /// collector, all three nearby collectors (PreferLocal: the local one), the three web
    /// servers behind each of the web's cluster, external and load-balancer IPs, the three DNS
    /// servers, and the shop's two endpoints behind its cluster IP and, on nodes that have one,
    /// its local endpoint behind the external IP.
    ///
    /// From `examples/kubernetes/fleet.json`: the local collector, the zone's collectors (two in
    /// zone-1, one in zone-2), the three web servers, the shop's two behind its cluster IP, and
    /// on nodes with a local shop endpoint, that one behind the load-balancer IP and the node port.
    func expectedRealServers(_ node: String) -> Int {
        switch source {
        case .file: 1 + 1 + 3 * 3 + 3 + 2 + (node == "node-c" ? 0 : 1)
        case .kubernetes: node == "node-c" ? 1 + 1 + 3 + 2 : 1 + 2 + 3 + 2 + 1 + 1
        }
    }

    func namespace(_ node: String) -> String { "\(prefix)-\(node)" }
    /// Where a node's agent serves its metrics, as a scrape target (`HOST:PORT`).
    func metricsTarget(_ node: String) -> String { "\(agent(node).metricsHost):\(agent(node).metricsPort)" }
    func client(_ node: String) -> String { "\(prefix)-\(node)-client" }
    var outside: String { "\(prefix)-outside" }
    func backendNamespace(_ node: String, _ backend: Int) -> String { "\(prefix)-\(node)-b\(backend)" }

    /// (Re)starts a backend's HTTP server, named "node-X/bK", and waits until it listens.
    func startBackend(_ node: String, _ backend: Int) throws {
        try launchBackend(node, backend)
        try waitUntilListening(node, backend)
    }

    private func launchBackend(_ node: String, _ backend: Int) throws {
        let name = backendNamespace(node, backend)
        servers[name] = try LabPeers.start(in: name, "http-name", "8080", "\(node)/b\(backend)")
        // The web servers (b1) also answer DNS-like queries on UDP 5353.
        if backend == 1 { servers[name + "/udp"] = try LabPeers.start(in: name, "udp-name", "5353", "\(node)/b\(backend)") }
    }

    /// Stops a web server's UDP (DNS-like) server; its HTTP server goes on.
    func stopUDPServer(_ node: String) {
        guard let server = servers.removeValue(forKey: backendNamespace(node, 1) + "/udp") else { return }
        kill(server.processIdentifier, SIGKILL)
        server.waitUntilExit()
    }

    private func waitUntilListening(_ node: String, _ backend: Int) throws {
        try LabWait.until("\(node)/b\(backend) listens", seconds: 60) {
            (try? Shell.run("ip", "netns", "exec", backendNamespace(node, backend), "ss", "-ltn"))?.contains(":8080") == true
        }
    }

    /// Kills a backend's HTTP server: connections to it are refused from now on.
    func stopBackend(_ node: String, _ backend: Int) {
        guard let server = servers.removeValue(forKey: backendNamespace(node, backend)) else { return }
        kill(server.processIdentifier, SIGKILL)
        server.waitUntilExit()
    }

    /// The answer to one GET from `namespace`: the backend's name and the client address it saw,
    /// or nil when the request failed.
    func get(from namespace: String, _ address: String, port: Int = 80) -> (backend: String, sawClient: String)? {
        let outcome = attempt(from: namespace, address, port: port)
        guard outcome.status == 0 else { return nil }
        let words = outcome.body.split(separator: " ").map(String.init)
        guard words.count == 2 else { return nil }
        return (words[0], words[1])
    }

    /// One GET from `namespace`: curl's exit status (7: refused, 28: timed out) and the body.
    func attempt(from namespace: String, _ address: String, port: Int = 80) -> (status: Int32, body: String) {
        let result = try? Shell.runCapturing(["ip", "netns", "exec", namespace, "curl", "-sS", "-m", "3", "http://\(address):\(port)/"])
        return (result?.status ?? -1, result?.stdout.trimmingCharacters(in: .whitespacesAndNewlines) ?? "")
    }

    /// A node's health check node port as the outside sees it: status and body.
    func healthPort(_ node: String) -> (status: Int, body: String)? {
        guard
            let result = try? Shell.runCapturing([
                "ip", "netns", "exec", outside, "curl", "-sS", "-m", "3", "-w", "\n%{http_code}",
                "http://\(Self.nodeAddress(node)):\(Self.healthCheckNodePort)/",
            ]),
            result.status == 0
        else { return nil }
        var lines = result.stdout.split(separator: "\n")
        guard let code = lines.popLast().flatMap({ Int($0) }) else { return nil }
        return (code, lines.joined(separator: "\n"))
    }

    /// Sends the outside client's traffic for `address` to `node`, as an external load balancer
    /// would.
    func routeFromOutside(_ address: String, to node: String) throws {
        try Shell.run("ip", "-n", outside, "route", "replace", "\(address)/32", "via", Self.nodeAddress(node))
    }

    func rules(_ node: String) throws -> String {
        try Shell.run("ip", "netns", "exec", namespace(node), "ipvsadm", "-Sn")
    }

    func realServerCount(_ node: String) throws -> Int {
        try rules(node).split(separator: "\n").count { $0.hasPrefix("-a") }
    }

    func agent(_ node: String) -> LabAgent { agents[node]! }

    /// Stops the agents and the backends and removes every namespace: nothing is left behind.
    func tearDown() {
        for agent in agents.values { agent.stop() }
        apiServer?.stop()
        for server in servers.values { kill(server.processIdentifier, SIGKILL) }
        servers = [:]
        do { try Shell.run(Self.script, "down", prefix) } catch { Issue.record("the fleet was not torn down: \(error)") }
    }
}
