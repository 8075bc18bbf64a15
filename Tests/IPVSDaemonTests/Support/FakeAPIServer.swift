import Foundation
import KubernetesClient
import Logging
import Synchronization

/// The fake Kubernetes API server (`Integration/fake-apiserver/fake_apiserver.py`) on 127.0.0.1,
/// over HTTPS with a token read from a file, for tests of the Kubernetes source on this machine.
/// Bookmarks only when asked for (`bookmark-now`), so that a test knows the version a watch
/// resumes from.
/// The lab's fleet tests run the same fake in a namespace.
final class FakeAPIServer: Sendable {
    static let repository = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().deletingLastPathComponent()
    static let directory = repository.appendingPathComponent("Integration/fake-apiserver")
    static let fleetObjects = repository.appendingPathComponent("examples/kubernetes/fleet.json").path

    let workDirectory: String
    let port: Int
    private let process: Process

    var url: String { "https://127.0.0.1:\(port)" }
    var caPath: String { workDirectory + "/ca.crt" }
    var tokenPath: String { workDirectory + "/token" }
    var kubeconfigPath: String { workDirectory + "/kubeconfig" }

    init(objects: [String] = [fleetObjects], token: String = "token-1", extraArguments: [String] = []) throws {
        workDirectory = NSTemporaryDirectory() + "ipvsctl-fakeapi-\(UInt32.random(in: 0...UInt32.max))"
        try FileManager.default.createDirectory(atPath: workDirectory, withIntermediateDirectories: true)
        try Self.run([Self.directory.appendingPathComponent("make-certs.sh").path, workDirectory])
        try (token + "\n").write(toFile: workDirectory + "/token", atomically: true, encoding: .utf8)
        let portFile = workDirectory + "/port"
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments =
            [
                "python3", Self.directory.appendingPathComponent("fake_apiserver.py").path, "--listen", "127.0.0.1",
                "--port", "0", "--port-file", portFile, "--tls-cert", workDirectory + "/server.crt",
                "--tls-key", workDirectory + "/server.key", "--token", token, "--quiet", "--bookmark-interval", "0",
            ]
            + objects.flatMap { ["--objects", $0] } + extraArguments
        process.standardInput = FileHandle.nullDevice
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle(forWritingAtPath: "/dev/null")
        try process.run()
        self.process = process
        var port: Int?
        for _ in 0..<200 {
            if let text = try? String(contentsOfFile: portFile, encoding: .utf8),
                let value = Int(text.trimmingCharacters(in: .whitespacesAndNewlines))
            {
                port = value
                break
            }
            usleep(50_000)
        }
        guard let port else {
            process.terminate()
            throw FakeAPIServerError(message: "the fake API server did not start")
        }
        self.port = port
        try Self.run([
            "python3", Self.directory.appendingPathComponent("fake_apiserver.py").path, "kubeconfig", "--server", url,
            "--ca", caPath, "--token-file", tokenPath, "-o", kubeconfigPath,
        ])
    }

    /// POSTs `body` to the control API (`/_fake/PATH`); the answer's body.
    @discardableResult
    func control(_ path: String, _ body: String = "{}", method: String = "POST") throws -> String {
        try Self.run([
            "curl", "-sS", "-f", "-m", "10", "--cacert", caPath, "-X", method, "-H", "Content-Type: application/json",
            "--data-binary", body, "\(url)/_fake/\(path)",
        ])
    }

    /// Compacts the history past every version a client has seen: a write nobody watches (a
    /// Namespace) moves the version on, then the history before it is forgotten.
    func compactPastClients() throws {
        try control(
            "apply", #"{"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "churn-\#(UInt32.random(in: 0...UInt32.max))"}}"#)
        try control("compact")
    }

    /// Watches open now.
    func openWatches() throws -> Int {
        let text = try Self.run(["curl", "-sS", "-f", "-m", "10", "--cacert", caPath, "\(url)/_fake/healthz"])
        return ((try JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any])?["openWatches"] as? Int) ?? 0
    }

    func requests() throws -> [String: [String: Int]] {
        let text = try Self.run(["curl", "-sS", "-f", "-m", "10", "--cacert", caPath, "\(url)/_fake/requests"])
        return (try JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: [String: Int]]) ?? [:]
    }

    func client(authority: String? = nil) throws -> KubernetesHTTPClient {
        var credentials = try KubeconfigLoader.load(path: kubeconfigPath)
        if let authority { credentials.certificateAuthorityPEM = Array(try Data(contentsOf: URL(fileURLWithPath: authority))) }
        return try KubernetesHTTPClient(credentials: credentials, logger: quietLogger)
    }

    /// SIGTERM, then SIGKILL if it has not gone within 5 s. Polled: Foundation's
    /// `waitUntilExit` spins on a cooperative thread.
    func stop() {
        kill(process.processIdentifier, SIGTERM)
        for _ in 0..<100 where process.isRunning { usleep(50_000) }
        if process.isRunning { kill(process.processIdentifier, SIGKILL) }
    }

    deinit {
        if process.isRunning { stop() }
        try? FileManager.default.removeItem(atPath: workDirectory)
    }

    @discardableResult
    static func run(_ arguments: [String]) throws -> String {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = arguments
        let output = Pipe()
        process.standardOutput = output
        process.standardError = FileHandle(forWritingAtPath: "/dev/null")
        process.standardInput = FileHandle.nullDevice
        try process.run()
        let data = output.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        guard process.terminationStatus == 0 else {
            throw FakeAPIServerError(message: "\(arguments.prefix(2).joined(separator: " ")) exited \(process.terminationStatus)")
        }
        return String(decoding: data, as: UTF8.self)
    }
}

struct FakeAPIServerError: Error, CustomStringConvertible {
    var message: String
    var description: String { message }
}
