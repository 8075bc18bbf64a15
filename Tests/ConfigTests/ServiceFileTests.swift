import Foundation
import IPVSCore
import Testing

@testable import Config

/// `serviceFiles`: services kept in files of their own, read with the config file and checked
/// with its services, every problem located in the file it is in.
@Suite struct ServiceFileTests {
    /// A directory of its own, removed after the test.
    final class Directory {
        let path = NSTemporaryDirectory() + "ipvsctl-service-files-\(UInt32.random(in: 0...UInt32.max))"

        init() throws {
            try FileManager.default.createDirectory(atPath: path + "/services.d", withIntermediateDirectories: true)
        }

        deinit { try? FileManager.default.removeItem(atPath: path) }

        @discardableResult
        func write(_ name: String, _ text: String) throws -> String {
            let file = path + "/" + name
            try text.write(toFile: file, atomically: true, encoding: .utf8)
            return file
        }

        func remove(_ name: String) throws {
            try FileManager.default.removeItem(atPath: path + "/" + name)
        }
    }

    static func service(_ name: String, vip: Int, fields: String = "") -> String {
        "  - name: \(name)\n    clusterIPs: [198.18.0.\(vip)]\n    ports: [{port: 80}]\(fields)\n    endpoints: [{address: 203.0.113.\(vip), node: n1}]\n"
    }

    static func serviceFile(_ services: String...) -> String { "services:\n" + services.joined() }

    static let main = "serviceFiles: [services.d/*.yaml]\nservices:\n" + service("own/a", vip: 1)

    @Test("services follow the config file's own, file by file in sorted order, each file once")
    func order() throws {
        let directory = try Directory()
        let config = try directory.write(
            "config.yaml", "serviceFiles: [services.d/*.yaml, services.d/b.yaml, extra.yaml]\nservices:\n" + Self.service("own/a", vip: 1))
        try directory.write("services.d/b.yaml", Self.serviceFile(Self.service("b/1", vip: 21), Self.service("b/2", vip: 22)))
        try directory.write("services.d/a.yaml", Self.serviceFile(Self.service("a/1", vip: 11)))
        try directory.write("services.d/notes.txt", "not yaml: [")
        try FileManager.default.createDirectory(atPath: directory.path + "/services.d/sub.yaml", withIntermediateDirectories: true)
        try directory.write("extra.yaml", "x-port: &port {port: 80}\nservices: []\n")
        let state = try ConfigLoader.load(contentsOf: config)
        #expect(state.services.map(\.name) == ["own/a", "a/1", "b/1", "b/2"])
    }

    @Test("a file's problems are reported at its path, line and column, after the config file's")
    func located() throws {
        let directory = try Directory()
        let config = try directory.write(
            "config.yaml", Self.main.replacingOccurrences(of: "ports: [{port: 80}]", with: "ports: [{port: 0}]"))
        let broken = try directory.write(
            "services.d/a.yaml", Self.serviceFile(Self.service("a/1", vip: 11, fields: "\n    schedular: rr")))
        let unknownKey = try directory.write("services.d/b.yaml", "services: []\nnodes: {}\n")
        let error = try #require(throws: ConfigError.self) { try ConfigLoader.load(contentsOf: config) }
        #expect(error.problems.map(\.file) == [config, broken, unknownKey])
        #expect(error.problems.map(\.line) == [5, 5, 2])
        #expect(error.problems.map(\.column) == [20, 5, 1])
        #expect(error.problems[1].path == "services[0].schedular")
        #expect(error.description.contains("\(broken):5:5"))
    }

    @Test("a claim already made in another file names that file")
    func claimsAcrossFiles() throws {
        let directory = try Directory()
        let config = try directory.write(
            "config.yaml",
            "serviceFiles: [services.d/*.yaml]\nservices:\n"
                + Self.service("own/a", vip: 1, fields: "\n    externalTrafficPolicy: Local\n    healthCheckNodePort: 31000"))
        let file = try directory.write(
            "services.d/a.yaml",
            Self.serviceFile(
                Self.service("own/a", vip: 11), Self.service("a/2", vip: 1),
                Self.service("a/3", vip: 13, fields: "\n    externalTrafficPolicy: Local\n    healthCheckNodePort: 31000")))
        let error = try #require(throws: ConfigError.self) { try ConfigLoader.load(contentsOf: config) }
        #expect(error.problems.allSatisfy { $0.file == file })
        let messages = error.problems.map(\.message)
        #expect(
            messages == [
                "service name 'own/a' is already used (\(config), line 3, column 11)",
                "TCP 198.18.0.1:80 is already declared by service 'own/a' (\(config), line 4, column 18)",
                "healthCheckNodePort 31000 is already used by service 'own/a' (\(config), line 7, column 26)",
            ])
    }

    @Test("a pattern may match nothing; a plain path must name a file; a service file must hold services")
    func missing() throws {
        let directory = try Directory()
        let config = try directory.write("config.yaml", "serviceFiles: [services.d/*.yaml]\n")
        #expect(try ConfigLoader.load(contentsOf: config).services.isEmpty)

        try directory.write("config.yaml", "serviceFiles: [gone.yaml]\n")
        var error = try #require(throws: ConfigError.self) { try ConfigLoader.load(contentsOf: config) }
        #expect(error.problems.map(\.file) == [directory.path + "/gone.yaml"])
        #expect(error.problems.first?.code == .unreadableFile)

        try directory.write("config.yaml", "serviceFiles: [empty.yaml]\n")
        try directory.write("empty.yaml", "# nothing yet\n")
        error = try #require(throws: ConfigError.self) { try ConfigLoader.load(contentsOf: config) }
        #expect(error.problems.map(\.code) == [.missingKey])

        try directory.write("config.yaml", "nodes: {}\n")
        error = try #require(throws: ConfigError.self) { try ConfigLoader.load(contentsOf: config) }
        let missing = "required key 'services' is missing (it may be empty, or 'serviceFiles' may name the files that hold the services)"
        #expect(error.problems.map(\.message) == [missing])

        try directory.write("config.yaml", "serviceFiles: ['']\nservices: []\n")
        error = try #require(throws: ConfigError.self) { try ConfigLoader.load(contentsOf: config) }
        #expect(error.problems.map(\.message) == ["a service file pattern cannot be empty"])
    }

    @Test("patterns that match more than the most service files are refused before any is read")
    func tooMany() throws {
        let directory = try Directory()
        let config = try directory.write("config.yaml", "serviceFiles: [services.d/*.yaml]\n")
        for index in 0...ConfigLoader.maximumServiceFiles {
            // Empty: read, each would be refused for holding no document.
            #expect(FileManager.default.createFile(atPath: directory.path + "/services.d/\(index).yaml", contents: nil))
        }
        let error = try #require(throws: ConfigError.self) { try ConfigLoader.load(contentsOf: config) }
        #expect(error.problems.map(\.message) == ["the service file patterns match 10001 files; at most 10000 are read"])
        #expect(error.problems.map(\.file) == [config])
    }

    @Test("with the Kubernetes API as the source, a config names no service files")
    func kubernetes() throws {
        let directory = try Directory()
        let config = try directory.write("config.yaml", "serviceFiles: [services.d/*.yaml]\n")
        let error = try #require(throws: ConfigError.self) { try ConfigLoader.load(contentsOf: config, servicesFrom: .kubernetes) }
        #expect(error.problems.map(\.path) == ["serviceFiles"])
    }

    @Test("patterns start from the config file's directory, or from the root when absolute")
    func resolution() {
        let patterns = ServiceFilePatterns(["services.d/*.yaml", "/srv/lb/*.yaml"], relativeTo: "/etc/ipvsctl-swift/config.yaml")
        #expect(patterns.patterns == ["/etc/ipvsctl-swift/services.d/*.yaml", "/srv/lb/*.yaml"])
        #expect(ServiceFilePatterns(["a.yaml"], relativeTo: "config.yaml").patterns == ["a.yaml"])
    }
}
