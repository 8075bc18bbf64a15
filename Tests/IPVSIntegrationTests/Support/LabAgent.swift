import Foundation
import ReconcilerTestKit
import Testing

/// `ipvsctl-swift run` inside a lab namespace, as systemd would run it on a node: its log in a
/// file, its metrics endpoint on the namespace's loopback (or on an address of the namespace that
/// a Prometheus server elsewhere reaches), stopped with a signal.
final class LabAgent {
    let namespace: String
    let configPath: String
    let stateDirectory: String
    let node: String
    let metricsHost: String
    let metricsPort: UInt16
    /// Where the desired state comes from: `--config FILE`, or `--kubeconfig` with its file.
    let sourceArguments: [String]
    let logPath: String
    private var process: Process?

    /// An agent reading `configPath`, which may be shared with other agents (one file for a fleet).
    init(
        namespace: String, configPath: String, node: String, stateDirectory: String = KernelLab.ReconcilerLabTests.stateDirectory(),
        metricsHost: String = "127.0.0.1", metricsPort: UInt16 = 9469, kubeconfig: String? = nil
    ) {
        self.namespace = namespace
        self.node = node
        self.stateDirectory = stateDirectory
        self.metricsHost = metricsHost
        self.metricsPort = metricsPort
        self.configPath = configPath
        sourceArguments = ["--config", configPath] + (kubeconfig.map { ["--kubeconfig", $0] } ?? [])
        logPath = NSTemporaryDirectory() + "ipvsctl-agent-\(UInt32.random(in: 0...UInt32.max)).log"
    }

    /// An agent reading a config file of its own with `config` in it.
    convenience init(
        namespace: String, config: String, node: String, stateDirectory: String = KernelLab.ReconcilerLabTests.stateDirectory(),
        metricsPort: UInt16 = 9469
    ) throws {
        self.init(
            namespace: namespace, configPath: try KernelLab.ReconcilerLabTests.writeConfig(config), node: node,
            stateDirectory: stateDirectory, metricsPort: metricsPort)
    }

    /// The agent's binary: the debug build beside the tests, or `IPVSCTL_LAB_AGENT_BINARY` (the
    /// long soak runs the release build, as nodes do).
    static var binary: String {
        ProcessInfo.processInfo.environment["IPVSCTL_LAB_AGENT_BINARY"] ?? KernelLab.ReconcilerLabTests.binary
    }

    /// Starts the agent and waits for `/readyz`; a large table's first apply needs longer than
    /// the default `readySeconds`.
    func start(resyncSeconds: Int = 2, readySeconds: Double = 90) throws {
        try launch(resyncSeconds: resyncSeconds)
        try waitUntilReady(seconds: readySeconds)
    }

    /// Starts the agent without waiting (several agents then come up side by side).
    func launch(resyncSeconds: Int = 2) throws {
        let arguments =
            ["ip", "netns", "exec", namespace, Self.binary, "run"] + sourceArguments + [
                "--node", node,
                "--state-dir", stateDirectory, "--metrics-address", "\(metricsHost):\(metricsPort)",
                "--resync-interval", "\(resyncSeconds)",
            ]
        // IPVSCTL_LAB_AGENT_LOG_LEVEL=debug makes the agents' logs (shown when a test fails) say more.
        let level = ProcessInfo.processInfo.environment["IPVSCTL_LAB_AGENT_LOG_LEVEL"] ?? "info"
        process = try Process.launchLogging(
            arguments, to: logPath,
            environment: ProcessInfo.processInfo.environment.merging(Self.unitEnvironment) { _, unit in unit }
                .merging(["IPVSCTL_LOG_LEVEL": level]) { _, new in new })
    }

    /// The `Environment=` settings of the shipped systemd unit, so that the agent runs here with
    /// the memory allocator settings it has on a node.
    static let unitEnvironment: [String: String] = {
        let unit = LabFleet.repository.appendingPathComponent("systemd/ipvsctl-swift.service").path
        let text = (try? String(contentsOfFile: unit, encoding: .utf8)) ?? ""
        var environment: [String: String] = [:]
        for line in text.split(separator: "\n") where line.hasPrefix("Environment=") {
            for assignment in line.dropFirst("Environment=".count).split(separator: " ") {
                let parts = assignment.split(separator: "=", maxSplits: 1)
                if parts.count == 2 { environment[String(parts[0])] = String(parts[1]) }
            }
        }
        return environment
    }()

    /// Waits for `/readyz`: the agent's first reconcile is done.
    func waitUntilReady(seconds: Double = 90) throws {
        do {
            try LabWait.until("the agent is ready", seconds: seconds) { self.get("/readyz")?.status == 200 }
        } catch {
            throw LabWait.TimedOut(what: "the agent is ready; its log:\n\(log)")
        }
    }

    /// Rewrites the config file in place (the agent notices within a second).
    func rewrite(config: String) throws {
        try config.write(toFile: configPath, atomically: true, encoding: .utf8)
    }

    func signal(_ signal: Int32) {
        guard let process else { return }
        kill(process.processIdentifier, signal)
    }

    /// SIGTERM and wait, or SIGKILL without any chance to clean up. An agent that does not stop
    /// within 30 s of SIGTERM is a failure (and is killed, so that the suite goes on).
    func stop(_ signal: Int32 = SIGTERM) {
        guard let process else { return }
        kill(process.processIdentifier, signal)
        let deadline = Date().addingTimeInterval(30)
        while process.isRunning && Date() < deadline { usleep(50_000) }
        if process.isRunning {
            Issue.record("the agent did not stop within 30 s of signal \(signal); its log:\n\(log)")
            kill(process.processIdentifier, SIGKILL)
        }
        process.waitUntilExit()
        self.process = nil
    }

    /// The agent's process id while it runs (`ip netns exec` execs the agent in place).
    var processIdentifier: Int32? { process?.isRunning == true ? process?.processIdentifier : nil }

    var exitStatus: Int32? { process?.isRunning == false ? process?.terminationStatus : nil }

    var log: String { (try? String(contentsOfFile: logPath, encoding: .utf8)) ?? "" }

    /// GET on the agent's HTTP endpoint: status and body.
    func get(_ path: String, timeout: Int = 3) -> (status: Int, body: String)? {
        guard
            let result = try? Shell.runCapturing([
                "ip", "netns", "exec", namespace, "curl", "-sS", "-m", "\(timeout)", "-o", "-", "-w", "\n%{http_code}",
                "http://\(metricsHost):\(metricsPort)\(path)",
            ]),
            result.status == 0
        else { return nil }
        var lines = result.stdout.split(separator: "\n", omittingEmptySubsequences: false)
        guard let code = lines.popLast().flatMap({ Int($0) }) else { return nil }
        return (code, lines.joined(separator: "\n"))
    }

    /// The samples of `/metrics`, parsed.
    func metrics() -> [MetricSample] {
        guard let answer = get("/metrics"), answer.status == 200 else { return [] }
        return MetricSample.parse(answer.body)
    }

    func metric(_ name: String, _ labels: [String: String] = [:]) -> Double? {
        metrics().first { sample in sample.name == name && labels.allSatisfy { sample.labels[$0.key] == $0.value } }?.value
    }

    deinit { stop(SIGKILL) }
}

enum LabWait {
    struct TimedOut: Error, CustomStringConvertible {
        var what: String
        var description: String { "timed out waiting until \(what)" }
    }

    /// Polls `condition` every 250 ms (each poll may start processes, dear under emulation) for
    /// up to `seconds`; returns the seconds it took.
    @discardableResult
    static func until(_ what: String, seconds: Double, _ condition: () throws -> Bool) throws -> Double {
        let start = Date()
        while Date().timeIntervalSince(start) < seconds {
            if try condition() { return Date().timeIntervalSince(start) }
            usleep(250_000)
        }
        throw TimedOut(what: what)
    }
}

/// The lab's traffic peers (Integration/peers/lab_peers.py), run in a namespace.
enum LabPeers {
    static var script: String {
        URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().appendingPathComponent("Integration/peers/lab_peers.py").path
    }

    /// Starts a peer in the background; the caller kills it.
    static func start(in namespace: String, _ arguments: String...) throws -> Process {
        try launch(namespace, arguments, output: FileHandle.nullDevice)
    }

    /// Starts a client peer in the background, its output going to a file (read while it runs).
    static func startClient(in namespace: String, _ arguments: String...) throws -> (Process, output: String) {
        let output = NSTemporaryDirectory() + "ipvsctl-peer-\(UInt32.random(in: 0...UInt32.max))"
        FileManager.default.createFile(atPath: output, contents: nil)
        return (try launch(namespace, arguments, output: try FileHandle(forWritingTo: URL(fileURLWithPath: output))), output)
    }

    private static func launch(_ namespace: String, _ arguments: [String], output: FileHandle) throws -> Process {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["ip", "netns", "exec", namespace, "python3", script] + arguments
        process.standardInput = FileHandle.nullDevice
        process.standardOutput = output
        process.standardError = FileHandle.nullDevice
        try process.runWithDefaultSignalMask()
        return process
    }

    /// Runs a client peer to completion: its output lines and exit status.
    static func run(in namespace: String, _ arguments: String...) throws -> (status: Int32, lines: [String]) {
        try run(in: namespace, arguments)
    }

    static func run(in namespace: String, _ arguments: [String]) throws -> (status: Int32, lines: [String]) {
        let result = try Shell.runCapturing(["ip", "netns", "exec", namespace, "python3", script] + arguments)
        return (result.status, result.stdout.split(separator: "\n").map(String.init))
    }
}
