import Foundation
import IPVSCore
import Logging
import Reconciler
import ReconcilerTestKit
import Testing

/// The ledger's file under faults, on real file systems: a full one and a read-only one (tmpfs
/// mounts; root bypasses mode bits, so `chmod` would prove nothing), a corrupted ledger, a
/// truncated one, one written by a newer version. Each must stop the apply with a clear error
/// before any kernel write.
@Suite(.serialized)
struct LedgerFaultTests {
    static let state = DesiredState(services: (1...3).map { FaultInjectionTests.service($0, weights: [1, 1]) })

    /// Runs `mount` (or `umount`) and says whether it worked.
    @discardableResult
    static func mount(_ arguments: String...) -> Bool {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = arguments
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        guard (try? process.run()) != nil else { return false }
        process.waitUntilExit()
        return process.terminationStatus == 0
    }

    /// Mounting needs root (CAP_SYS_ADMIN); the unit tests have it where the test command runs.
    static let canMount: Bool = {
        guard geteuid() == 0 else { return false }
        let probe = NSTemporaryDirectory() + "ipvsctl-mount-probe-\(getpid())"
        try? FileManager.default.createDirectory(atPath: probe, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: probe) }
        guard mount("mount", "-t", "tmpfs", "-o", "size=4k", "tmpfs", probe) else { return false }
        return mount("umount", probe)
    }()

    /// A tmpfs of `size` mounted for the body, with `prepare` run on it before `options` apply.
    static func withMount<T>(
        size: String, remount options: String? = nil, prepare: (String) throws -> Void = { _ in },
        _ body: (String) throws -> T
    ) throws -> T {
        let directory = NSTemporaryDirectory() + "ipvsctl-ledger-mount-\(UInt32.random(in: 0...UInt32.max))"
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: directory) }
        try #require(mount("mount", "-t", "tmpfs", "-o", "size=\(size),mode=0755", "tmpfs", directory))
        defer { mount("umount", directory) }
        try prepare(directory)
        if let options { try #require(mount("mount", "-o", "remount,\(options)", directory)) }
        return try body(directory)
    }

    /// Plans and applies over a kernel holding the foreign service; expects the apply to fail on
    /// the ledger with nothing sent to the kernel.
    static func expectLedgerFailure(in directory: String, planFails: Bool = false) throws -> String {
        let table = FaultyIPVSTable()
        _ = try table.kernel.apply([
            .newService(FaultInjectionTests.foreign),
            .newRealServer(FaultInjectionTests.foreignServer, service: FaultInjectionTests.foreign.key),
        ])
        let before = table.kernel.snapshot
        let commands = table.kernel.commandCount
        let reconciler = Reconciler(
            table: table, addresses: nil, ledgerStore: LedgerStore(directory: directory), logger: FaultInjectionTests.quiet)
        let failure = #expect(throws: Reconciler.Failure.self) {
            try reconciler.apply(try reconciler.plan(Self.state, options: ReconcilerTests.options), interface: "ipvs0")
        }
        #expect(failure?.code == .ledger)
        #expect(table.kernel.commandCount == commands, "nothing may be sent before the ledger is written")
        #expect(table.kernel.snapshot == before)
        return failure?.description ?? ""
    }

    @Test("a full file system: the apply stops before any kernel write and says the device is full", .enabled(if: canMount))
    func full() throws {
        try Self.withMount(
            size: "4k",
            prepare: { directory in
                // Fill it to the last page: the write stops at ENOSPC.
                FileManager.default.createFile(atPath: directory + "/filler", contents: nil)
                let filler = try #require(FileHandle(forWritingAtPath: directory + "/filler"))
                try? filler.write(contentsOf: Data(repeating: 0, count: 64 * 1024))
                try? filler.close()
            }
        ) { directory in
            let message = try Self.expectLedgerFailure(in: directory)
            #expect(message.contains("No space left on device"), "\(message)")
            let leftovers = try FileManager.default.contentsOfDirectory(atPath: directory).filter { $0.hasPrefix("ledger") }
            #expect(leftovers.isEmpty, "no partial ledger is left behind: \(leftovers)")
        }
    }

    @Test("a read-only file system: the apply stops before any kernel write and says why", .enabled(if: canMount))
    func readOnly() throws {
        try Self.withMount(size: "64k", remount: "ro") { directory in
            let message = try Self.expectLedgerFailure(in: directory)
            #expect(message.contains("Read-only file system"), "\(message)")
        }
    }

    @Test(
        "a read-only file system holding a ledger: the plan reads it, the apply refuses to write, the ledger stays", .enabled(if: canMount))
    func readOnlyWithLedger() throws {
        let owned = Ledger(virtualServices: [.address(IPAddress("198.51.100.11")!, port: 80, protocol: .tcp)])
        try Self.withMount(
            size: "64k", remount: "ro", prepare: { try LedgerStore(directory: $0).save(owned) }
        ) { directory in
            let message = try Self.expectLedgerFailure(in: directory)
            #expect(message.contains("Read-only file system"), "\(message)")
            #expect(try LedgerStore(directory: directory).load() == owned)
        }
    }

    static func withLedgerText(_ text: String, _ body: (String) throws -> Void) throws {
        try FaultInjectionTests.withDirectory { directory in
            try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
            try text.write(toFile: LedgerStore(directory: directory).path, atomically: true, encoding: .utf8)
            try body(directory)
        }
    }

    static let good = """
        {"addresses": [], "drains": [], "version": 1, "virtualServices": ["TCP 198.51.100.11:80"]}
        """

    @Test(
        "a corrupted or truncated ledger: a clear error naming the file before any kernel write, and the file left as it was",
        arguments: [
            "", "\u{0}\u{1}garbage\u{ff}", String(good.prefix(40)), String(good.dropLast()),
            #"{"addresses": [], "drains": [], "version": 1, "virtualServices": ["TCP 198.51.100.999:80"]}"#,
            #"{"addresses": [], "drains": [], "virtualServices": []}"#, #"{"version": 0}"#, "[1, 2, 3]",
        ])
    func corrupted(text: String) throws {
        try Self.withLedgerText(text) { directory in
            let store = LedgerStore(directory: directory)
            #expect(throws: LedgerStore.Failure.self) { try store.load() }
            #expect((try? store.load()) == nil)
            do throws(LedgerStore.Failure) {
                _ = try store.load()
            } catch {
                #expect(error.code == .corrupt)
                #expect(error.description.contains(store.path))
            }
            let message = try Self.expectLedgerFailure(in: directory)
            #expect(message.contains("cannot read the ledger"), "\(message)")
            #expect(try String(contentsOfFile: store.path, encoding: .utf8) == text, "a bad ledger is never overwritten")
        }
    }

    @Test("a ledger written by a newer version is refused with the versions named, not read as this one's format")
    func newerVersion() throws {
        let future = """
            {"addresses": [], "drains": [], "version": 2, "virtualServices": ["TCP 198.51.100.11:80"],
             "tunnels": ["a field this version does not know"]}
            """
        try Self.withLedgerText(future) { directory in
            let store = LedgerStore(directory: directory)
            do throws(LedgerStore.Failure) {
                _ = try store.load()
                Issue.record("a newer ledger was read")
            } catch {
                #expect(error.code == .newerVersion)
                #expect(error.description.contains("version 2"), "\(error)")
                #expect(error.description.contains("up to version 1"), "\(error)")
            }
            let message = try Self.expectLedgerFailure(in: directory)
            #expect(message.contains("newer"), "\(message)")
            #expect(try String(contentsOfFile: store.path, encoding: .utf8) == future)
        }
        try Self.withLedgerText(Self.good) { directory in
            let ledger = try LedgerStore(directory: directory).load()
            #expect(ledger.virtualServices.count == 1, "the current version still reads")
        }
    }
}
