import Config
import Foundation
import IPVSCore
import Logging
import ReconcilerTestKit
import Testing

@testable import IPVSDaemon

/// What the agent does when its config path stops being a config: a FIFO, a device, a file far
/// too big. Each reload ends at once with the reason counted, and the last good state stays.
struct ConfigFileSourceTests {
    static func reloadFailures(_ metrics: AgentMetrics) -> Double? {
        MetricSample.parse(String(decoding: metrics.render(), as: UTF8.self))
            .first { $0.name == "ipvsctl_config_reloads_total" && $0.labels["result"] == "failure" }?.value
    }

    static func lastReloadSuccessful(_ metrics: AgentMetrics) -> Double? {
        MetricSample.parse(String(decoding: metrics.render(), as: UTF8.self))
            .first { $0.name == "ipvsctl_config_last_reload_successful" }?.value
    }

    @Test(
        "a FIFO, /dev/zero or an oversized file at the config path is refused at once; the last good config stays",
        .timeLimit(.minutes(1)))
    func unreadableReplacements() async throws {
        let (directory, path, _) = try ReconcileLoopTests.configInFreshDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let metrics = AgentMetrics(version: "test")
        let source = ConfigFileSource(session: try ConfigSession(loading: path), metrics: metrics, logger: Logger(label: "test"))
        let good = try #require(source.current())
        #expect(Self.lastReloadSuccessful(metrics) == 1, "the agent starts from a config that loaded")

        let replacements: [(String, () throws -> Void)] = [
            ("a FIFO", { #expect(mkfifo(path, 0o600) == 0) }),
            ("/dev/zero", { try FileManager.default.createSymbolicLink(atPath: path, withDestinationPath: "/dev/zero") }),
            (
                "a 33 MiB file",
                {
                    #expect(FileManager.default.createFile(atPath: path, contents: Data("services:\n".utf8)))
                    #expect(truncate(path, off_t(ConfigLoader.maximumFileBytes + 1024 * 1024)) == 0)
                }
            ),
        ]
        for (index, (what, replace)) in replacements.enumerated() {
            try FileManager.default.removeItem(atPath: path)
            try replace()
            await source.reload()
            #expect(Self.reloadFailures(metrics) == Double(index + 1), "\(what)")
            #expect(Self.lastReloadSuccessful(metrics) == 0, "\(what)")
            #expect(source.current()?.generation == good.generation, "\(what) replaced the desired state")
            #expect(source.current()?.state == good.state, "\(what)")
        }

        // A good file again: taken, as the next generation.
        try FileManager.default.removeItem(atPath: path)
        try ReconcileLoopTests.config.write(toFile: path, atomically: true, encoding: .utf8)
        await source.reload()
        #expect(source.current()?.generation == good.generation + 1)
        #expect(Self.reloadFailures(metrics) == 3)
        #expect(Self.lastReloadSuccessful(metrics) == 1)
    }

    @Test("a reload after a one-service edit tells the loop which service it edits, as of which generation")
    func oneServiceEdit() async throws {
        let (directory, path, _) = try ReconcileLoopTests.configInFreshDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let source = ConfigFileSource(
            session: try ConfigSession(loading: path), metrics: AgentMetrics(version: "test"), logger: Logger(label: "test"))
        let first = try #require(source.current())
        #expect(first.edit == nil)

        let edited = ReconcileLoopTests.config.replacingOccurrences(of: "192.0.2.2,", with: "192.0.2.3,")
        try edited.write(toFile: path, atomically: true, encoding: .utf8)
        await source.reload()
        let second = try #require(source.current())
        #expect(second.generation == first.generation + 1)
        #expect(second.edit == ServiceEdit(from: first.generation, services: ["default/web"]))
        #expect(second.state == (try ConfigLoader.parse(edited, file: path)))

        // Another key than the services: the loop is not told what changed.
        try ("interface: ipvs1\n" + edited).write(toFile: path, atomically: true, encoding: .utf8)
        await source.reload()
        #expect(source.current()?.edit == nil)
        #expect(source.current()?.state.interface == "ipvs1")
    }

    @Test("the watcher sees a service file edited, and one added to the directory", .timeLimit(.minutes(1)))
    func watchedServiceFiles() async throws {
        let (directory, path, _) = try ReconcileLoopTests.configInFreshDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        try FileManager.default.createDirectory(atPath: directory + "/services.d", withIntermediateDirectories: true)
        let service = { (name: String, vip: Int) in
            "services:\n- {name: \(name), clusterIPs: [198.18.0.\(vip)], ports: [{port: 80}], endpoints: [{address: 203.0.113.\(vip)}]}\n"
        }
        try service("files/a", 1).write(toFile: directory + "/services.d/a.yaml", atomically: true, encoding: .utf8)
        try ("serviceFiles: [services.d/*.yaml]\n" + ReconcileLoopTests.config).write(toFile: path, atomically: true, encoding: .utf8)
        let source = ConfigFileSource(
            session: try ConfigSession(loading: path), watchInterval: .milliseconds(20), metrics: AgentMetrics(version: "test"),
            logger: Logger(label: "test"))
        #expect(source.current()?.state.services.map(\.name).contains("files/a") == true)

        let (changes, continuation) = AsyncStream.makeStream(of: DesiredStateChange.self)
        let watcher = Task { await source.run { continuation.yield($0) } }
        defer { watcher.cancel() }
        var iterator = changes.makeAsyncIterator()

        try service("files/a", 2).write(toFile: directory + "/services.d/a.yaml", atomically: true, encoding: .utf8)
        _ = await iterator.next()
        let edited = try #require(source.current())
        #expect(edited.state.services.first { $0.name == "files/a" }?.clusterIPs == [IPAddress("198.18.0.2")!])
        #expect(edited.edit?.services == ["files/a"])

        try service("files/b", 3).write(toFile: directory + "/services.d/b.yaml", atomically: true, encoding: .utf8)
        _ = await iterator.next()
        #expect(source.current()?.state.services.map(\.name).suffix(2) == ["files/a", "files/b"])
    }

    @Test("a fingerprint is the files and their stamps, not when they were listed")
    func fingerprintIdentity() throws {
        let (directory, path, _) = try ReconcileLoopTests.configInFreshDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        try FileManager.default.createDirectory(atPath: directory + "/services.d", withIntermediateDirectories: true)
        try "services: []\n".write(toFile: directory + "/services.d/a.yaml", atomically: true, encoding: .utf8)
        let patterns = ServiceFilePatterns(["services.d/*.yaml"], relativeTo: path)
        let first = try #require(ConfigFingerprint.of(path: path, serviceFiles: patterns))
        let second = try #require(ConfigFingerprint.of(path: path, serviceFiles: patterns))
        #expect(first.serviceFiles?.files.count == 1)
        #expect(second.serviceFiles?.takenAt != first.serviceFiles?.takenAt)
        #expect(first == second)

        try "services: []\n".write(toFile: directory + "/services.d/b.yaml", atomically: true, encoding: .utf8)
        #expect(ConfigFingerprint.of(path: path, serviceFiles: patterns) != first)
        #expect(ConfigFingerprint.of(path: path) != first, "without service files")
    }
}
