import YAML

/// Where each service of the `services` list begins in the text, so that a reload can tell from
/// the bytes alone which services an edit touched (``ServiceListText``), and read just those again.
///
/// Found only for the shape nearly every file has: a block list, each item starting on the line
/// of its `-`, and no line break but LF, CRLF and CR. Anything else has no layout, and every
/// reload reads the whole file.
struct ServiceListLayout: Equatable, Sendable {
    /// The column of every item's `-`, in bytes (only spaces precede it).
    var column: Int
    /// Where each item's first line begins, then where the list ends (byte offsets).
    var boundaries: [Int]

    var count: Int { boundaries.count - 1 }

    /// The layout of the block list `list` of `tree`, which was composed from `text`; the list
    /// ends at `end` when that is known, else after its last item (``end(after:column:in:)``).
    init?(of list: YAMLTree.Index, in tree: YAMLTree, text: UnsafeBufferPointer<UInt8>, end: Int? = nil) {
        guard tree[list].shape == .sequence, !Self.hasOtherLineBreak(text) else { return nil }
        let items = tree.items(of: list)
        guard let first = items.first else { return nil }
        column = Int(tree[list].column) - 1
        let lines = items.map { Int(tree[$0].line) }
        guard let starts = Self.lineStarts(of: lines, in: text) else { return nil }
        for (item, start) in zip(items, starts) {
            guard Self.beginsItem(at: start, column: column, nodeColumn: Int(tree[item].column) - 1, in: text) else { return nil }
        }
        guard tree[first].line == tree[list].line, let last = starts.last,
            let end = end ?? Self.end(after: last, column: column, in: text)
        else { return nil }
        boundaries = starts + [end]
    }

    init(column: Int, boundaries: [Int]) {
        self.column = column
        self.boundaries = boundaries
    }

    /// This layout with `items` replaced by items starting at `starts` (byte offsets in the new
    /// text), and every later boundary moved by `shift` bytes.
    func replacing(_ items: Range<Int>, withItemsAt starts: [Int], shift: Int) -> ServiceListLayout {
        var boundaries = Array(self.boundaries[..<items.lowerBound])
        boundaries.reserveCapacity(self.boundaries.count - items.count + starts.count)
        boundaries += starts
        boundaries += self.boundaries[items.upperBound...].lazy.map { $0 + shift }
        return ServiceListLayout(column: column, boundaries: boundaries)
    }

    /// Whether the text has a line break libyaml counts that a layout does not (NEL, LS, PS):
    /// its lines, and where a line at the list's column ends the list, would not agree.
    static func hasOtherLineBreak(_ text: UnsafeBufferPointer<UInt8>) -> Bool {
        var offset = 0
        while offset + 1 < text.count {
            let byte = text[offset]
            offset += 1
            // ASCII, nearly every byte of a config.
            guard byte >= 0xC2 else { continue }
            if byte == 0xC2, text[offset] == 0x85 { return true }
            if byte == 0xE2, offset + 1 < text.count, text[offset] == 0x80, text[offset + 1] == 0xA8 || text[offset + 1] == 0xA9 {
                return true
            }
        }
        return false
    }

    /// Where the 1-based `lines` (ascending) begin, in a text with no line break but LF, CRLF
    /// and CR.
    static func lineStarts(of lines: [Int], in text: UnsafeBufferPointer<UInt8>) -> [Int]? {
        var starts: [Int] = []
        starts.reserveCapacity(lines.count)
        var wanted = lines.makeIterator()
        var next = wanted.next()
        var line = 1
        var offset = 0
        while let target = next {
            if line == target {
                starts.append(offset)
                next = wanted.next()
                continue
            }
            guard offset < text.count else { return nil }
            let byte = text[offset]
            offset += 1
            switch byte {
            case UInt8(ascii: "\n"):
                line += 1
            case UInt8(ascii: "\r"):
                if offset < text.count, text[offset] == UInt8(ascii: "\n") { offset += 1 }
                line += 1
            default:
                break
            }
        }
        return starts
    }

    /// Whether the line at `start` holds an item's `-` at `column`, after spaces only, and
    /// spaces only from there to the item's node at `nodeColumn`.
    private static func beginsItem(at start: Int, column: Int, nodeColumn: Int, in text: UnsafeBufferPointer<UInt8>) -> Bool {
        guard nodeColumn > column + 1, start + nodeColumn <= text.count else { return false }
        for offset in start..<(start + column) where text[offset] != UInt8(ascii: " ") { return false }
        guard text[start + column] == UInt8(ascii: "-") else { return false }
        for offset in (start + column + 1)..<(start + nodeColumn) where text[offset] != UInt8(ascii: " ") { return false }
        return true
    }

    /// Where a block list whose last item begins at `lastItem` ends: at the first later line
    /// with anything but a comment at or left of the items' `-` (the next key, a document
    /// marker), else at the end of the text. Never inside the last item: a line that far left
    /// would end it in YAML too, or leave a bracket or quote open that a standalone read of the
    /// item then refuses.
    static func end(after lastItem: Int, column: Int, in text: UnsafeBufferPointer<UInt8>) -> Int? {
        var offset = lastItem
        // Skip the item's own first line.
        while offset < text.count, text[offset] != UInt8(ascii: "\n"), text[offset] != UInt8(ascii: "\r") { offset += 1 }
        while offset < text.count {
            // At a line break: step over it to the next line's start.
            if text[offset] == UInt8(ascii: "\r"), offset + 1 < text.count, text[offset + 1] == UInt8(ascii: "\n") { offset += 1 }
            offset += 1
            let lineStart = offset
            var indent = 0
            while offset < text.count, text[offset] == UInt8(ascii: " ") {
                offset += 1
                indent += 1
            }
            if offset < text.count, indent <= column {
                let byte = text[offset]
                let blank = byte == UInt8(ascii: "\n") || byte == UInt8(ascii: "\r")
                if !blank && byte != UInt8(ascii: "#") { return lineStart }
            }
            while offset < text.count, text[offset] != UInt8(ascii: "\n"), text[offset] != UInt8(ascii: "\r") { offset += 1 }
        }
        return text.count
    }
}
