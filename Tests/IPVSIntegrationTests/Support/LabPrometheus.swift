import Foundation
import Testing

/// A real Prometheus server (Debian's `prometheus`, which `Integration/lab.sh setup` installs) in
/// a lab namespace: it scrapes the agents as the job `ipvsctl-swift` (docs/operations.md) and
/// evaluates `deploy/prometheus/ipvsctl-swift.rules.yml`, asked through its HTTP API as an
/// operator's dashboards and Alertmanager would.
final class LabPrometheus {
    static let binary = "/usr/bin/prometheus"
    static var rules: String { LabFleet.repository.appendingPathComponent("deploy/prometheus/ipvsctl-swift.rules.yml").path }
    static let port = 9090

    let namespace: String
    let workDirectory: String
    private var process: Process?

    var logPath: String { workDirectory + "/prometheus.log" }

    /// - Parameters:
    ///   - targets: `HOST:PORT` of each agent's metrics endpoint, reachable from `namespace`.
    ///   - forOverrides: alert name → the `for:` of this server's copy of the rules. The real
    ///     durations are minutes, which a lab test cannot wait for; every other rule is the
    ///     shipped file's, line for line.
    init(namespace: String, targets: [String], scrapeInterval: Int = 2, forOverrides: [String: String]) throws {
        self.namespace = namespace
        workDirectory = NSTemporaryDirectory() + "ipvsctl-prometheus-\(UInt32.random(in: 0...UInt32.max))"
        try FileManager.default.createDirectory(atPath: workDirectory, withIntermediateDirectories: true)
        var rules = try String(contentsOfFile: Self.rules, encoding: .utf8)
        for (alert, duration) in forOverrides { rules = try Self.overriding(rules, alert: alert, for: duration) }
        try rules.write(toFile: workDirectory + "/rules.yml", atomically: true, encoding: .utf8)
        // The timeout is the interval: a scrape that fails marks the target's series stale,
        // which resets every pending alert, and emulated CPUs are slow.
        let config = """
            global:
              scrape_interval: \(scrapeInterval)s
              scrape_timeout: \(scrapeInterval)s
              evaluation_interval: 1s
            rule_files: [\(workDirectory)/rules.yml]
            scrape_configs:
              - job_name: ipvsctl-swift
                static_configs:
                  - targets: [\(targets.map { "'\($0)'" }.joined(separator: ", "))]

            """
        try config.write(toFile: workDirectory + "/prometheus.yml", atomically: true, encoding: .utf8)
    }

    /// `rules` with the `for:` of one alert set to `duration`; throws when the alert or its
    /// `for:` is not found (the file's layout: `- alert: NAME`, then its fields, `for:` among them).
    static func overriding(_ rules: String, alert: String, for duration: String) throws -> String {
        var lines = rules.components(separatedBy: "\n")
        guard let start = lines.firstIndex(where: { $0.trimmingCharacters(in: .whitespaces) == "- alert: \(alert)" }) else {
            throw LabWait.TimedOut(what: "the rules declare \(alert)")
        }
        var index = start + 1
        while index < lines.count {
            let line = lines[index].trimmingCharacters(in: .whitespaces)
            if line.hasPrefix("- alert:") || line.hasPrefix("- record:") || line.hasPrefix("- name:") { break }
            if line.hasPrefix("for:") {
                let indent = lines[index].prefix { $0 == " " }
                lines[index] = "\(indent)for: \(duration)"
                return lines.joined(separator: "\n")
            }
            index += 1
        }
        throw LabWait.TimedOut(what: "\(alert) has a for:")
    }

    /// Starts the server without waiting (it comes up while the test does something else).
    func launch() throws {
        guard FileManager.default.isExecutableFile(atPath: Self.binary) else {
            throw LabWait.TimedOut(what: "\(Self.binary) exists: `Integration/lab.sh setup` installs Debian's prometheus")
        }
        process = try Process.launchLogging(
            [
                "ip", "netns", "exec", namespace, Self.binary,
                "--config.file=\(workDirectory)/prometheus.yml",
                "--storage.tsdb.path=\(workDirectory)/data",
                "--web.listen-address=127.0.0.1:\(Self.port)",
            ], to: logPath)
    }

    /// Waits until the server is ready: its rules loaded, its storage open.
    func waitUntilReady() throws {
        do {
            // A Go binary of a hundred megabytes starting under emulation: seconds, more when loaded.
            try LabWait.until("Prometheus is ready", seconds: 90) { self.get("/-/ready")?.status == 200 }
        } catch {
            throw LabWait.TimedOut(what: "Prometheus is ready; its log:\n\(self.log)")
        }
    }

    /// SIGTERM and wait.
    func stop() {
        guard let process else { return }
        kill(process.processIdentifier, SIGTERM)
        let deadline = Date().addingTimeInterval(30)
        while process.isRunning && Date() < deadline { usleep(50_000) }
        if process.isRunning { kill(process.processIdentifier, SIGKILL) }
        process.waitUntilExit()
        self.process = nil
    }

    var log: String { (try? String(contentsOfFile: logPath, encoding: .utf8)) ?? "" }

    /// GET on the server from its namespace: status and body.
    func get(_ path: String, query: [String: String] = [:]) -> (status: Int, body: String)? {
        var command = ["ip", "netns", "exec", namespace, "curl", "-sS", "-m", "5", "-G", "-o", "-", "-w", "\n%{http_code}"]
        for (name, value) in query { command += ["--data-urlencode", "\(name)=\(value)"] }
        guard let result = try? Shell.runCapturing(command + ["http://127.0.0.1:\(Self.port)\(path)"]), result.status == 0 else {
            return nil
        }
        var lines = result.stdout.split(separator: "\n", omittingEmptySubsequences: false)
        guard let code = lines.popLast().flatMap({ Int($0) }) else { return nil }
        return (code, lines.joined(separator: "\n"))
    }

    /// The result of an instant query: each series' labels and value; nil when the query failed.
    func query(_ promql: String) -> [(labels: [String: String], value: Double)]? {
        guard let answer = get("/api/v1/query", query: ["query": promql]), answer.status == 200,
            let json = try? JSONSerialization.jsonObject(with: Data(answer.body.utf8)) as? [String: Any],
            json["status"] as? String == "success",
            let data = json["data"] as? [String: Any], let result = data["result"] as? [[String: Any]]
        else { return nil }
        return result.compactMap { series in
            guard let labels = series["metric"] as? [String: String], let sample = series["value"] as? [Any],
                sample.count == 2, let text = sample[1] as? String, let value = Double(text)
            else { return nil }
            return (labels, value)
        }
    }

    /// The alerts named `name` that are pending or firing (`ALERTS`, with `alertstate`).
    func alerts(_ name: String) -> [[String: String]]? {
        query("ALERTS{alertname=\"\(name)\"}")?.map(\.labels)
    }

    deinit {
        stop()
        try? FileManager.default.removeItem(atPath: workDirectory)
    }
}
