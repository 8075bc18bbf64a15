import Foundation
import Testing

@testable import Config
@testable import YAML

/// The comparison a reload makes in place of a diff of the last good text: whole items of the
/// `services` list, found from the front and from the back, between parts that are the same.
@Suite struct ServiceListTextTests {
    static let text = ConfigSessionTests.config(services: 4)

    /// The remembered form of `text`, and where each of its items begins.
    static func remembered(_ text: String) throws -> ServiceListText {
        let bytes = Array(text.utf8)
        let tree = try #require(try EventComposer.compose(text, nestingLimit: Limits.nestingDepth))
        let list = try #require(tree.rootValue(of: "services"))
        let layout = try #require(bytes.withUnsafeBufferPointer { ServiceListLayout(of: list, in: tree, text: $0) })
        return bytes.withUnsafeBytes { ServiceListText($0, layout: layout) }
    }

    static func compare(_ old: String, _ new: String) throws -> ServiceListText.Comparison {
        Array(new.utf8).withUnsafeBytes { try! remembered(old).compare(with: $0) }
    }

    /// The byte range of `part` in `text`.
    static func range(of part: String, in text: String) throws -> Range<Int> {
        let found = try #require(text.range(of: part))
        return text.utf8.distance(
            from: text.startIndex, to: found.lowerBound)..<text.utf8.distance(from: text.startIndex, to: found.upperBound)
    }

    /// The bytes of service `index` in `text` (of ``ConfigSessionTests/config(services:edit:)``),
    /// up to the next service's first line.
    static func item(_ index: Int, in text: String) throws -> Range<Int> {
        try range(of: "  - name: test/s\(index)\n", in: text).lowerBound..<range(of: "  - name: test/s\(index + 1)\n", in: text).lowerBound
    }

    @Test("the same text is the same; an edit inside one item is that item, its whole new lines")
    func oneItem() throws {
        #expect(try Self.compare(Self.text, Self.text) == .same)
        let edited = Self.text.replacingOccurrences(of: "weight: 2}\n\n  # service 2", with: "weight: 7}\n\n  # service 2")
        #expect(try Self.compare(Self.text, edited) == .items(1..<2, replacement: try Self.item(1, in: edited)))
    }

    @Test("an inserted item replaces none; a removed one is replaced by no bytes")
    func insertAndRemove() throws {
        let item = "  - {name: test/new, clusterIPs: [198.18.1.1], ports: [{port: 80}]}\n"
        let inserted = Self.text.replacingOccurrences(of: "  - name: test/s2\n", with: item + "  - name: test/s2\n")
        let at = try Self.range(of: item, in: inserted)
        #expect(try Self.compare(Self.text, inserted) == .items(2..<2, replacement: at))

        let second = try Self.item(1, in: Self.text)
        var bytes = Array(Self.text.utf8)
        bytes.removeSubrange(second)
        let removed = String(decoding: bytes, as: UTF8.self)
        #expect(try Self.compare(Self.text, removed) == .items(1..<2, replacement: second.lowerBound..<second.lowerBound))
    }

    @Test("repeated items are matched once: two of three equal items left is one removed, not the same text")
    func repeatedItems() throws {
        let item = "  - {name: test/x, clusterIPs: [198.18.1.1], ports: [{port: 80}]}\n"
        let three = "services:\n" + item + item + item
        let two = "services:\n" + item + item
        let end = two.utf8.count
        #expect(try Self.compare(three, two) == .items(2..<3, replacement: end..<end))
        #expect(try Self.compare(two, three) == .items(2..<2, replacement: end..<(end + item.utf8.count)))
    }

    @Test("an edit before or after the list, or one that joins an item to the next one's line, is not within items")
    func notWithinItems() throws {
        let nodes = Self.text.replacingOccurrences(of: "192.0.2.102", with: "192.0.2.103")
        #expect(try Self.compare(Self.text, nodes) == .notWithinItems)
        let kernel = Self.text.replacingOccurrences(of: "expireNoDestConn: true", with: "expireNoDestConn: false")
        #expect(try Self.compare(Self.text, kernel) == .notWithinItems)
        // The last line of item 1 loses its line break: item 2's first line now continues it.
        let joined = Self.text.replacingOccurrences(of: "weight: 2}\n\n  # service 2\n", with: "weight: 2}")
        #expect(try Self.compare(Self.text, joined) == .notWithinItems)
        #expect(try Self.compare(Self.text, "") == .notWithinItems)
    }

    @Test("after an edit is taken in, the new text compares as the same")
    func replacing() throws {
        let comment = "  # a new comment before the new item\n"
        let item = "  - {name: test/new, clusterIPs: [198.18.1.1], ports: [{port: 80}]}\n"
        let edited = Self.text.replacingOccurrences(of: "  - name: test/s2\n", with: comment + item + "  - name: test/s2\n")
        let old = try Self.remembered(Self.text)
        let bytes = Array(edited.utf8)
        guard case .items(let items, let replacement) = bytes.withUnsafeBytes(old.compare) else {
            Issue.record("not an edit of items")
            return
        }
        // The new item begins after the comment, which joins the item before it.
        let start = try Self.range(of: item, in: edited).lowerBound
        #expect(items == 2..<2)
        #expect(replacement == (start - comment.utf8.count)..<(start + item.utf8.count))
        // Taken in from the excerpt a file's comparison reads, not the whole text.
        let from = old.excerptStart(for: items)
        let excerpt = ServiceListText.Excerpt(start: from, bytes: Array(bytes[from..<replacement.upperBound]), textCount: bytes.count)
        let next = old.replacing(items, withItemsAt: [start], from: excerpt)
        #expect(bytes.withUnsafeBytes(next.compare) == .same)
        #expect(next.layout.count == old.layout.count + 1)
        #expect(next.layout == (try Self.remembered(edited)).layout)
    }

    @Test("a text of many blocks is compared as a small one, from the front and from the back")
    func manyBlocks() throws {
        let text = ConfigSessionTests.config(services: 600)
        #expect(text.utf8.count > 2 * ServiceListText.block)
        #expect(try Self.compare(text, text) == .same)
        for index in [0, 1, 299, 598] {
            let edited = text.replacingOccurrences(
                of: "clusterIPs: [198.18.0.\(index + 1)]\n", with: "clusterIPs: [198.18.0.\(index + 1)]\n    scheduler: lc\n")
            #expect(try Self.compare(text, edited) == .items(index..<(index + 1), replacement: try Self.item(index, in: edited)))
        }
    }

    @Test("a file is compared as its text is, a byte-order mark skipped; an edit of items comes with its excerpt")
    func fromFile() throws {
        let text = ConfigSessionTests.config(services: 300)
        let edited = text.replacingOccurrences(of: "clusterIPs: [198.18.0.151]\n", with: "clusterIPs: [198.18.0.151]\n    scheduler: lc\n")
        let remembered = try Self.remembered(text)
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("ipvsctl-list-\(UInt32.random(in: 0...UInt32.max)).yaml")
            .path
        defer { try? FileManager.default.removeItem(atPath: path) }
        for (content, mark) in [(text, false), (edited, false), (edited, true), ("", false)] {
            try Data((mark ? SourceFile.byteOrderMark : []) + Array(content.utf8)).write(to: URL(fileURLWithPath: path))
            let (comparison, excerpt) = try BoundedFile.comparison(of: path, with: remembered, limit: 1 << 24)
            #expect(comparison == (try Self.compare(text, content)))
            guard case .items(let items, let replacement) = comparison else {
                #expect(excerpt == nil)
                continue
            }
            let bytes = Array(content.utf8)
            let start = remembered.excerptStart(for: items)
            #expect(excerpt?.start == start)
            #expect(excerpt?.bytes == Array(bytes[start..<replacement.upperBound]))
            #expect(excerpt?.textCount == bytes.count)
        }
    }
}
