import Foundation
import Testing

@testable import Config

/// A reload compares the new text with the last good one a block at a time, from the front and
/// from the back; what it finds must be what a byte-by-byte comparison finds.
struct TextDifferenceTests {
    /// The longest common prefix, and the longest common suffix that does not overlap it.
    /// (Plain index loops: in a debug build, generic sequence code over 200 KB would keep a core
    /// busy for seconds, and other tests share the cores.)
    static func naive(_ old: [UInt8], _ new: [UInt8]) -> TextDifference? {
        guard old != new else { return nil }
        let shared = min(old.count, new.count)
        var prefix = 0
        while prefix < shared, old[prefix] == new[prefix] { prefix += 1 }
        var suffix = 0
        while suffix < shared - prefix, old[old.count - 1 - suffix] == new[new.count - 1 - suffix] { suffix += 1 }
        return TextDifference(replaced: prefix..<(old.count - suffix), replacement: Array(new[prefix..<(new.count - suffix)]))
    }

    @Test("edits at block boundaries, at both ends, of every size, and none: as byte by byte")
    func againstByteByByte() {
        var generator = FixedSequence(state: 42)
        let block = TextDifference.block
        let old = (0..<(3 * block + 123)).map { _ in UInt8(ascii: "a") + UInt8(generator.next() % 3) }
        let places = [0, 1, block - 1, block, block + 1, 2 * block, old.count - block, old.count - 1, old.count]
        var checked = 0
        for place in places {
            for removed in [0, 1, 7, block, block + 5] where place + removed <= old.count {
                for inserted in [0, 1, 9, block + 2] {
                    var new = old
                    new.replaceSubrange(place..<(place + removed), with: (0..<inserted).map { _ in UInt8(ascii: "x") })
                    let found = TextDifference.between(old, new)
                    #expect(found == Self.naive(old, new), "at \(place), \(removed) removed, \(inserted) inserted")
                    #expect((found?.applied(to: old) ?? old) == new)
                    checked += 1
                }
            }
        }
        #expect(checked > 100)
        #expect(TextDifference.between([], []) == nil)
        #expect(TextDifference.between([], [1, 2]) == TextDifference(replaced: 0..<0, replacement: [1, 2]))
        #expect(TextDifference.between([1, 2], []) == TextDifference(replaced: 0..<2, replacement: []))
    }

    @Test("from a file: as from memory; a byte-order mark is not part of the text")
    func fromFile() throws {
        let path = NSTemporaryDirectory() + "ipvsctl-difference-\(UInt32.random(in: 0...UInt32.max)).yaml"
        defer { try? FileManager.default.removeItem(atPath: path) }
        let old = Array(String(repeating: "services: []\n# padding\n", count: 10_000).utf8)
        var new = old
        new.replaceSubrange(100_000..<100_004, with: Array("edit, longer".utf8))
        for mark in [[], [0xEF, 0xBB, 0xBF]] as [[UInt8]] {
            try Data(mark + new).write(to: URL(fileURLWithPath: path))
            #expect(try BoundedFile.difference(of: path, from: old, limit: 1 << 20) == TextDifference.between(old, new))
            try Data(mark + old).write(to: URL(fileURLWithPath: path))
            #expect(try BoundedFile.difference(of: path, from: old, limit: 1 << 20) == nil)
        }
        #expect(throws: BoundedFile.Refusal.tooLarge(bytes: Int64(old.count + 3), limit: 1024)) {
            try BoundedFile.difference(of: path, from: old, limit: 1024)
        }
    }
}
