import Foundation
import Testing

/// The shipped unit file, checked by systemd's own tools. systemd-analyze comes with the
/// `systemd` package (Integration/lab.sh setup installs it); without it these tests fail.
@Suite("systemd unit file")
struct SystemdUnitTests {
    static let packageRoot = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    static let unit = packageRoot.appendingPathComponent("systemd/ipvsctl-swift.service")
    static let shippedExecStart = "ExecStart=/usr/local/bin/ipvsctl-swift run --config /etc/ipvsctl-swift/config.yaml"

    @Test("systemd-analyze verify accepts the unit (ExecStart pointed at a binary that exists)")
    func verify() throws {
        let text = try String(contentsOf: Self.unit, encoding: .utf8)
        #expect(text.contains("\n\(Self.shippedExecStart)\n"))
        // verify insists that the ExecStart binary exists; this copy differs in that line only.
        let copy = text.replacingOccurrences(
            of: "ExecStart=/usr/local/bin/ipvsctl-swift ", with: "ExecStart=/bin/true ")
        #expect(Self.differingLines(text, copy) == [Self.shippedExecStart])

        let directory = FileManager.default.temporaryDirectory
            .appendingPathComponent("ipvsctl-unit-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: false)
        defer { try? FileManager.default.removeItem(at: directory) }
        let copyURL = directory.appendingPathComponent("ipvsctl-swift.service")
        try copy.write(to: copyURL, atomically: true, encoding: .utf8)

        let result = try Self.systemdAnalyze(["verify", copyURL.path])
        #expect(result.status == 0, "systemd-analyze verify failed:\n\(result.output)")
        let aboutUs = result.output.split(separator: "\n").filter { $0.contains("ipvsctl-swift") }
        #expect(aboutUs.isEmpty, "systemd-analyze verify complained:\n\(result.output)")
    }

    @Test("systemd-analyze security rates the shipped unit's exposure 2.0 or lower")
    func exposure() throws {
        let result = try Self.systemdAnalyze(["security", "--offline=yes", Self.unit.path])
        let line = try #require(
            result.output.split(separator: "\n").first { $0.contains("Overall exposure level") },
            "no exposure level in:\n\(result.output)")
        // "→ Overall exposure level for ipvsctl-swift.service: 1.7 OK :-)"
        let afterName = line.range(of: ".service:").map { line[$0.upperBound...] }
        let number = afterName?.split(separator: " ").first.flatMap { Double($0) }
        let exposure = try #require(number, "cannot read the exposure in '\(line)'")
        #expect(exposure <= 2.0, "\(line)")
    }

    @Test("the sandbox keeps what IPVS needs: host network, CAP_NET_ADMIN only, writable IPVS sysctls")
    func constraints() throws {
        let lines = Set(try String(contentsOf: Self.unit, encoding: .utf8).split(separator: "\n").map(String.init))
        for required in [
            "Type=notify", "NotifyAccess=main", "WatchdogSec=30s", "ExecReload=/bin/kill -HUP $MAINPID",
            "Restart=on-failure", "StateDirectory=ipvsctl-swift", "CapabilityBoundingSet=CAP_NET_ADMIN",
            "AmbientCapabilities=CAP_NET_ADMIN", "PrivateNetwork=no", "PrivateUsers=no",
            "ProtectKernelTunables=yes", "ReadWritePaths=-/proc/sys/net/ipv4/vs",
            "RestrictAddressFamilies=AF_NETLINK AF_INET AF_INET6 AF_UNIX", "WantedBy=multi-user.target",
        ] {
            #expect(lines.contains(required), "missing: \(required)")
        }
        // Hiding /proc/sys would make the sysctls unreachable whatever ReadWritePaths says.
        #expect(!lines.contains { $0.hasPrefix("ProcSubset=") })
    }

    // MARK: -

    static func differingLines(_ a: String, _ b: String) -> [String] {
        zip(a.split(separator: "\n"), b.split(separator: "\n")).filter { $0 != $1 }.map { String($0.0) }
    }

    struct Failure: Error, CustomStringConvertible {
        var description: String
    }

    /// Runs systemd-analyze, found on PATH or in /usr/bin or /bin; a missing tool is a failure.
    static func systemdAnalyze(_ arguments: [String]) throws -> (status: Int32, output: String) {
        let path = ProcessInfo.processInfo.environment["PATH"] ?? ""
        let candidates = path.split(separator: ":").map(String.init) + ["/usr/bin", "/bin"]
        guard
            let tool = candidates.map({ "\($0)/systemd-analyze" })
                .first(where: { FileManager.default.isExecutableFile(atPath: $0) })
        else {
            throw Failure(description: "systemd-analyze not found: install the systemd package (Integration/lab.sh setup does)")
        }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: tool)
        process.arguments = arguments
        // Plain output: no pager, no colours, no emoji to parse around.
        var environment = ProcessInfo.processInfo.environment
        environment["SYSTEMD_PAGER"] = ""
        environment["SYSTEMD_COLORS"] = "0"
        environment["SYSTEMD_EMOJI"] = "0"
        process.environment = environment
        let pipe = Pipe()
        process.standardOutput = pipe
        process.standardError = pipe
        try process.run()
        let output = pipe.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return (process.terminationStatus, String(decoding: output, as: UTF8.self))
    }
}
