import Foundation
import Testing

@testable import Config

/// The config file replaced while it is read: an operator's editor or a config-management tool
/// writes a new version while the loader is half-way through the old one. The loader must see
/// one version, never the start of one and the end of the other.
struct FileReplacedTests {
    /// Larger than one read chunk (64 KiB), so that the file can change between two reads.
    static let size = 200 * 1024
    static let old = [UInt8](repeating: UInt8(ascii: "a"), count: size)
    static let new = [UInt8](repeating: UInt8(ascii: "b"), count: size - 4096)

    static func withFile(_ body: (String) throws -> Void) throws {
        let path = NSTemporaryDirectory() + "ipvsctl-replaced-\(UInt32.random(in: 0...UInt32.max)).yaml"
        defer { try? FileManager.default.removeItem(atPath: path) }
        try Data(old).write(to: URL(fileURLWithPath: path))
        try body(path)
    }

    /// Writes through the file's own inode, as `cat new > config.yaml` (truncating) or `>>`
    /// (appending) does.
    static func writeInPlace(_ bytes: some Sequence<UInt8>, to path: String, appending: Bool = false) {
        let handle = FileHandle(forWritingAtPath: path)
        if appending { _ = try? handle?.seekToEnd() } else { try? handle?.truncate(atOffset: 0) }
        try? handle?.write(contentsOf: Data(bytes))
        try? handle?.close()
    }

    @Test("replaced by rename after the first chunk: the old content whole, not a mix")
    func renamed() throws {
        try Self.withFile { path in
            var replaced = false
            let contents = try BoundedFile.contents(of: path, limit: 1 << 20) {
                guard !replaced else { return }
                replaced = true
                // What an editor or `install` does: a new file, renamed over the old one.
                try? Data(Self.new).write(to: URL(fileURLWithPath: path), options: .atomic)
            }
            #expect(replaced)
            #expect(contents == Self.old)
            #expect(try BoundedFile.contents(of: path, limit: 1 << 20) == Self.new, "the next read sees the new file")
        }
    }

    @Test("rewritten in place after the first chunk: read again, the new content whole, not a mix")
    func rewrittenInPlace() throws {
        try Self.withFile { path in
            var rewrites = 0
            let contents = try BoundedFile.contents(of: path, limit: 1 << 20) {
                guard rewrites == 0 else { return }
                rewrites += 1
                Self.writeInPlace(Self.new, to: path)
            }
            #expect(rewrites == 1)
            #expect(contents == Self.new)
        }
    }

    @Test("rewritten in place during every read: refused with a clear reason")
    func keptChanging() throws {
        try Self.withFile { path in
            var rewrites = 0
            #expect(throws: BoundedFile.Refusal.keptChanging(times: BoundedFile.attempts)) {
                try BoundedFile.contents(of: path, limit: 1 << 20) {
                    rewrites += 1
                    // Shorter each time, so that no read ends on the size it started with (longer
                    // each time would be a file that grows forever, refused as such).
                    Self.writeInPlace(repeatElement(UInt8(ascii: "c"), count: Self.size - rewrites * 4096), to: path)
                }
            }
            #expect(rewrites >= BoundedFile.attempts)
            #expect(BoundedFile.Refusal.keptChanging(times: 3).description == "was rewritten while it was read, 3 times in a row")
        }
    }

    @Test("appended to while read: read again, the longer content whole; past the limit: refused as grown")
    func appended() throws {
        try Self.withFile { path in
            var appends = 0
            let contents = try BoundedFile.contents(of: path, limit: 1 << 20) {
                guard appends == 0 else { return }
                appends += 1
                Self.writeInPlace("tail".utf8, to: path, appending: true)
            }
            #expect(appends == 1)
            #expect(contents == Self.old + Array("tail".utf8))
        }
        try Self.withFile { path in
            #expect(throws: BoundedFile.Refusal.grew(limit: Self.size)) {
                try BoundedFile.contents(of: path, limit: Self.size) {
                    Self.writeInPlace("x".utf8, to: path, appending: true)
                }
            }
        }
    }
}
