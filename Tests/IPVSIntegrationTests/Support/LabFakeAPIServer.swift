import Foundation
import Testing

/// The fake Kubernetes API server (`Integration/fake-apiserver`) in a lab namespace, over HTTPS
/// with a token, as the fleet's agents would meet a real one. No kube-apiserver can run here; the
/// fake's fidelity is checked apart, by kubectl and the official Python client.
final class LabFakeAPIServer {
    static var directory: URL { LabFleet.repository.appendingPathComponent("Integration/fake-apiserver") }
    static var script: String { directory.appendingPathComponent("fake_apiserver.py").path }
    static let port = 6443
    static let token = "lab-token-1"

    let namespace: String
    let address: String
    let workDirectory: String
    let objects: [String]
    private var process: Process?

    var url: String { "https://\(address):\(Self.port)" }
    var caPath: String { workDirectory + "/ca.crt" }
    var kubeconfigPath: String { workDirectory + "/kubeconfig" }
    var statePath: String { workDirectory + "/state.json" }
    var logPath: String { workDirectory + "/server.log" }

    /// Certificates for `address` and a kubeconfig whose token is read from a file, as a
    /// service account's is.
    init(namespace: String, address: String, objects: [String]) throws {
        self.namespace = namespace
        self.address = address
        self.objects = objects
        workDirectory = NSTemporaryDirectory() + "ipvsctl-fakeapi-\(UInt32.random(in: 0...UInt32.max))"
        try FileManager.default.createDirectory(atPath: workDirectory, withIntermediateDirectories: true)
        try Shell.run(Self.directory.appendingPathComponent("make-certs.sh").path, workDirectory, address)
        try (Self.token + "\n").write(toFile: workDirectory + "/token", atomically: true, encoding: .utf8)
        try Shell.run(
            "python3", Self.script, "kubeconfig", "--server", url, "--ca", caPath,
            "--token-file", workDirectory + "/token", "-o", kubeconfigPath)
    }

    /// Starts the server, from its saved state when `restoring` (an empty history: what a client
    /// asks for from before is 410 Gone, as after an etcd compaction). The saved counter is
    /// moved on by `writesWhileAway`, as if other objects had been written meanwhile: a client
    /// that resumes a watch at the version it last saw is then behind the history's start.
    func start(restoring: Bool = false, writesWhileAway: Int = 0) throws {
        if restoring && writesWhileAway > 0 {
            let data = try Data(contentsOf: URL(fileURLWithPath: statePath))
            guard var state = try JSONSerialization.jsonObject(with: data) as? [String: Any],
                let version = (state["resourceVersion"] as? String).flatMap(Int.init)
            else {
                throw LabWait.TimedOut(what: "the saved state has a resourceVersion")
            }
            state["resourceVersion"] = String(version + writesWhileAway)
            try JSONSerialization.data(withJSONObject: state).write(to: URL(fileURLWithPath: statePath))
        }
        var arguments = [
            "ip", "netns", "exec", namespace, "python3", Self.script, "--listen", address, "--port", "\(Self.port)",
            "--tls-cert", workDirectory + "/server.crt", "--tls-key", workDirectory + "/server.key",
            "--token", Self.token, "--bookmark-interval", "2", "--state-out", statePath,
        ]
        if restoring { arguments += ["--state-in", statePath] } else { arguments += objects.flatMap { ["--objects", $0] } }
        process = try Process.launchLogging(arguments, to: logPath)
        do {
            // Python starting under emulation on a loaded machine can take tens of seconds.
            try LabWait.until("the fake API server answers", seconds: 120) { (try? control("GET", "healthz")) != nil }
        } catch {
            throw LabWait.TimedOut(what: "the fake API server answers; its log:\n\(log)")
        }
    }

    /// SIGTERM: it writes its state and stops.
    func stop() {
        guard let process else { return }
        kill(process.processIdentifier, SIGTERM)
        process.waitUntilExit()
        self.process = nil
    }

    /// A call to the control API (`/_fake/...`) from the server's own namespace; its body.
    @discardableResult
    func control(_ method: String, _ path: String, _ body: String? = nil) throws -> String {
        var command = ["ip", "netns", "exec", namespace, "curl", "-sS", "-f", "-m", "10", "--cacert", caPath, "-X", method]
        if let body { command += ["-H", "Content-Type: application/json", "--data-binary", body] }
        let result = try Shell.runCapturing(command + ["\(url)/_fake/\(path)"])
        guard result.status == 0 else { throw LabWait.TimedOut(what: "/_fake/\(path) answered (curl \(result.status))") }
        return result.stdout
    }

    /// Creates or replaces objects, given as JSON.
    func apply(_ json: String) throws { try control("POST", "apply", json) }

    /// How many lists and watches of each resource it has answered.
    func requests() throws -> [String: [String: Int]] {
        let data = Data(try control("GET", "requests").utf8)
        return (try JSONSerialization.jsonObject(with: data) as? [String: [String: Int]]) ?? [:]
    }

    var log: String { (try? String(contentsOfFile: logPath, encoding: .utf8)) ?? "" }

    deinit {
        stop()
        try? FileManager.default.removeItem(atPath: workDirectory)
    }
}
