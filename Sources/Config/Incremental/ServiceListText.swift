/// What a reload remembers of the last good text, in place of the text: where each item of the
/// `services` list lies (``ServiceListLayout``), and the fingerprints of each item, of the text
/// before the list and of the text after it. About 24 bytes a service where the text took about
/// 420 (10,000 services: 0.2 MB, not 4.2 MB).
///
/// A new text is compared with it item by item, from the front and then from the back, as a
/// diff finds a common prefix and suffix: what lies between is the edit, in whole items.
struct ServiceListText: Sendable {
    private(set) var layout: ServiceListLayout
    private var head: TextFingerprint
    private var items: [TextFingerprint]
    private var tail: TextFingerprint
    /// The text's length in bytes.
    private var count: Int

    /// How a new text differs from the remembered one.
    enum Comparison: Equatable {
        /// The same text.
        case same
        /// The same but for the items `items` (none: an insertion there), which the bytes
        /// `replacement` of the new text replace: whole lines, between items the texts share.
        case items(Range<Int>, replacement: Range<Int>)
        /// The text outside the list changed, or the edit does not end at a line break.
        case notWithinItems
    }

    /// Remembers `text`, whose services list lies as `layout` says.
    init(_ text: UnsafeRawBufferPointer, layout: ServiceListLayout) {
        self.layout = layout
        let boundaries = layout.boundaries
        head = TextFingerprint(of: UnsafeRawBufferPointer(rebasing: text[..<boundaries[0]]))
        items = (0..<layout.count).map { Self.fingerprint(ofItem: $0, boundaries: boundaries, in: text) }
        tail = TextFingerprint(of: UnsafeRawBufferPointer(rebasing: text[boundaries[layout.count]...]))
        count = text.count
    }

    func compare(with new: UnsafeRawBufferPointer) -> Comparison {
        let boundaries = layout.boundaries
        let headLength = boundaries[0]
        let tailLength = count - boundaries[layout.count]
        guard new.count >= headLength + tailLength,
            TextFingerprint(of: UnsafeRawBufferPointer(rebasing: new[..<headLength])) == head,
            TextFingerprint(of: UnsafeRawBufferPointer(rebasing: new[(new.count - tailLength)...])) == tail
        else { return .notWithinItems }
        // The items the texts share from the front, then from the back, never overlapping.
        var front = (item: 0, offset: headLength)
        var back = (item: layout.count, offset: new.count - tailLength)
        while front.item < back.item {
            let length = boundaries[front.item + 1] - boundaries[front.item]
            let end = front.offset + length
            guard end <= back.offset, TextFingerprint(of: UnsafeRawBufferPointer(rebasing: new[front.offset..<end])) == items[front.item]
            else { break }
            front = (front.item + 1, end)
        }
        while back.item > front.item {
            let length = boundaries[back.item] - boundaries[back.item - 1]
            let start = back.offset - length
            guard start >= front.offset,
                TextFingerprint(of: UnsafeRawBufferPointer(rebasing: new[start..<back.offset])) == items[back.item - 1]
            else { break }
            back = (back.item - 1, start)
        }
        if front.item == back.item && front.offset == back.offset { return .same }
        // What follows the edit must begin a line, as it did: else it would be read as part of
        // the edit's last line, which a read of the edit alone cannot see.
        if front.offset < back.offset, back.offset < new.count {
            let last = new[back.offset - 1]
            guard last == UInt8(ascii: "\n") || last == UInt8(ascii: "\r") else { return .notWithinItems }
        }
        return .items(front.item..<back.item, replacement: front.offset..<back.offset)
    }

    /// This text with `replaced` items replaced by the items of `new` that begin at `starts`,
    /// where `new` is this text with that edit (``compare(with:)``).
    func replacing(_ replaced: Range<Int>, withItemsAt starts: [Int], in new: UnsafeRawBufferPointer) -> ServiceListText {
        var next = self
        next.layout = layout.replacing(replaced, withItemsAt: starts, shift: new.count - count)
        next.count = new.count
        let boundaries = next.layout.boundaries
        let added = replaced.lowerBound..<(replaced.lowerBound + starts.count)
        next.items.replaceSubrange(replaced, with: added.map { Self.fingerprint(ofItem: $0, boundaries: boundaries, in: new) })
        // Lines before the first new item (comments, blank lines) join what precedes it.
        if replaced.lowerBound == 0 {
            next.head = TextFingerprint(of: UnsafeRawBufferPointer(rebasing: new[..<boundaries[0]]))
        } else {
            let before = replaced.lowerBound - 1
            next.items[before] = Self.fingerprint(ofItem: before, boundaries: boundaries, in: new)
        }
        return next
    }

    private static func fingerprint(ofItem item: Int, boundaries: [Int], in text: UnsafeRawBufferPointer) -> TextFingerprint {
        TextFingerprint(of: UnsafeRawBufferPointer(rebasing: text[boundaries[item]..<boundaries[item + 1]]))
    }
}
