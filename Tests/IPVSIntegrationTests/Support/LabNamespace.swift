import Foundation
import IPVSCore
import IPVSNetlink
import Testing

/// A fresh network namespace with its own empty IPVS table, torn down after the test.
///
/// Every namespace gets a dummy interface holding 203.0.113.254/24 and 2001:db8:f::fe/64, so
/// that real servers in those ranges are routable (the kernel refuses a real server whose
/// address it cannot route: "not unicast").
struct LabNamespace {
    let name: String
    let client: IPVSClient

    static let realServerNetworkV4 = "203.0.113.254/24"
    static let realServerNetworkV6 = "2001:db8:f::fe/64"

    /// Runs `body` in a new namespace and always removes the namespace afterwards.
    static func with<T>(_ body: (LabNamespace) throws -> T) throws -> T {
        let name = "ipvsctl-test-\(UInt32.random(in: 0...UInt32.max))"
        try Shell.run("ip", "netns", "add", name)
        defer { _ = try? Shell.run("ip", "netns", "delete", name) }
        try Shell.run("ip", "-n", name, "link", "set", "lo", "up")
        try Shell.run("ip", "-n", name, "link", "add", "rs0", "type", "dummy")
        try Shell.run("ip", "-n", name, "addr", "add", realServerNetworkV4, "dev", "rs0")
        try Shell.run("ip", "-n", name, "addr", "add", realServerNetworkV6, "dev", "rs0", "nodad")
        try Shell.run("ip", "-n", name, "link", "set", "rs0", "up")
        let client = try IPVSClient(configuration: .init(namespace: .named(name)))
        // Empty the table before the namespace goes: the kernel otherwise deletes its services
        // later, in the background, from the hash table every namespace shares, and that shifts
        // the positions a concurrent dump in another namespace resumes from.
        defer { try? client.flush() }
        return try body(LabNamespace(name: name, client: client))
    }

    /// Runs `ipvsadm` inside this namespace and returns its standard output.
    @discardableResult
    func ipvsadm(_ arguments: String...) throws -> String {
        try Shell.run(["ip", "netns", "exec", name, "ipvsadm"] + arguments)
    }

    /// `ipvsadm -Sn` as a set of lines, for comparisons that ignore the dump's order.
    func savedRules() throws -> Set<String> {
        Set(try ipvsadm("-Sn").split(separator: "\n").map(String.init))
    }

    /// Feeds `rules` to `ipvsadm -R`.
    func restore(_ rules: String) throws {
        try Shell.run(["ip", "netns", "exec", name, "ipvsadm", "-R"], input: rules)
    }
}

enum Shell {
    struct Failure: Error, CustomStringConvertible {
        var command: [String]
        var status: Int32
        var output: String
        var description: String { "\(command.joined(separator: " ")) exited \(status): \(output)" }
    }

    @discardableResult
    static func run(_ arguments: String...) throws -> String {
        try run(arguments)
    }

    /// Runs a program found on PATH, waits, and returns stdout; throws with stderr on failure.
    @discardableResult
    static func run(_ arguments: [String], input: String? = nil, allowFailure: Bool = false) throws -> String {
        let result = try runCapturing(arguments, input: input)
        if result.status != 0 && !allowFailure {
            throw Failure(command: arguments, status: result.status, output: result.stdout + result.stderr)
        }
        return result.stdout
    }

    static func runCapturing(_ arguments: [String], input: String? = nil) throws -> (status: Int32, stdout: String, stderr: String) {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = arguments
        let stdout = Pipe()
        let stderr = Pipe()
        process.standardOutput = stdout
        process.standardError = stderr
        let stdin = Pipe()
        process.standardInput = stdin
        try process.runWithDefaultSignalMask()
        if let input {
            stdin.fileHandleForWriting.write(Data(input.utf8))
        }
        try stdin.fileHandleForWriting.close()
        // Read before waiting: a full pipe would block the child forever.
        let out = stdout.fileHandleForReading.readDataToEndOfFile()
        let err = stderr.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return (process.terminationStatus, String(decoding: out, as: UTF8.self), String(decoding: err, as: UTF8.self))
    }
}

extension IPAddress {
    /// For test literals known to be valid.
    static func literal(_ text: String) -> IPAddress {
        guard let address = IPAddress(text) else { fatalError("bad test address \(text)") }
        return address
    }
}

/// The schedulers whose modules the lab kernel ships, found from its module tree.
enum LabKernel {
    static var schedulers: [Scheduler] {
        let release = (try? Shell.run("uname", "-r"))?.trimmingCharacters(in: .whitespacesAndNewlines) ?? ""
        let directory = "/lib/modules/\(release)/kernel/net/netfilter/ipvs"
        let files = (try? FileManager.default.contentsOfDirectory(atPath: directory)) ?? []
        return Scheduler.mainline.filter { scheduler in
            files.contains { $0 == "ip_vs_\(scheduler.rawValue).ko" || $0.hasPrefix("ip_vs_\(scheduler.rawValue).ko.") }
        }
    }
}
