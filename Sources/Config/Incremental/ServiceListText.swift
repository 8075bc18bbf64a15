/// What a reload remembers of the last good text, in place of the text: where each item of the
/// `services` list lies (``ServiceListLayout``), and the fingerprints of each item, of the text
/// before the list and of the text after it. About 24 bytes a service where the text took about
/// 420 (10,000 services: 0.2 MB, not 4.2 MB).
///
/// A new text is compared with it item by item, from the front and then from the back, as a
/// diff finds a common prefix and suffix: what lies between is the edit, in whole items. The new
/// text is read a block at a time, where the comparison goes, and never held whole: a 4 MB file
/// edited in one line costs one read of it into one 64 KiB buffer.
struct ServiceListText: Sendable {
    private(set) var layout: ServiceListLayout
    private var head: TextFingerprint
    private var items: [TextFingerprint]
    private var tail: TextFingerprint
    /// The text's length in bytes.
    private var count: Int

    /// How much of the new text a comparison reads at a time.
    static let block = 64 * 1024

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

    /// The part of a new text that taking in an edit of items needs (``replacing(_:withItemsAt:from:)``):
    /// from where the item before the edit begins (or the text's start) to the edit's end.
    struct Excerpt {
        /// Where `bytes` begin in the new text.
        var start: Int
        var bytes: [UInt8]
        /// The new text's length.
        var textCount: Int

        /// The bytes `range` of the new text, which the excerpt holds.
        subscript(range: Range<Int>) -> ArraySlice<UInt8> {
            bytes[(range.lowerBound - start)..<(range.upperBound - start)]
        }
    }

    /// Remembers `text`, whose services list lies as `layout` says.
    init(_ text: UnsafeRawBufferPointer, layout: ServiceListLayout) {
        self.layout = layout
        let boundaries = layout.boundaries
        head = TextFingerprint(of: UnsafeRawBufferPointer(rebasing: text[..<boundaries[0]]))
        items = (0..<layout.count).map { TextFingerprint(of: UnsafeRawBufferPointer(rebasing: text[boundaries[$0]..<boundaries[$0 + 1]])) }
        tail = TextFingerprint(of: UnsafeRawBufferPointer(rebasing: text[boundaries[layout.count]...]))
        count = text.count
    }

    /// Where the excerpt of an edit of `items` begins: the item before them begins at the same
    /// place in both texts, and takes any lines the edit puts before its first item.
    func excerptStart(for items: Range<Int>) -> Int {
        items.lowerBound == 0 ? 0 : layout.boundaries[items.lowerBound - 1]
    }

    /// How `new` differs.
    func compare(with new: UnsafeRawBufferPointer) -> Comparison {
        compare(count: new.count) { offset, buffer in
            buffer.copyMemory(from: UnsafeRawBufferPointer(rebasing: new[offset..<(offset + buffer.count)]))
        }
    }

    /// How a new text of `count` bytes differs; `read` fills a buffer with the new text's bytes
    /// from an offset.
    func compare<Failure: Error>(
        count newCount: Int, read: (Int, UnsafeMutableRawBufferPointer) throws(Failure) -> Void
    ) throws(Failure) -> Comparison {
        var window = Window(count: newCount)
        let boundaries = layout.boundaries
        let headLength = boundaries[0]
        let tailLength = count - boundaries[layout.count]
        guard newCount >= headLength + tailLength,
            try window.fingerprint(of: 0..<headLength, forward: true, read: read) == head,
            try window.fingerprint(of: (newCount - tailLength)..<newCount, forward: false, read: read) == tail
        else { return .notWithinItems }
        // The items the texts share from the front, then from the back, never overlapping.
        var front = (item: 0, offset: headLength)
        var back = (item: layout.count, offset: newCount - tailLength)
        while front.item < back.item {
            let end = front.offset + boundaries[front.item + 1] - boundaries[front.item]
            guard end <= back.offset, try window.fingerprint(of: front.offset..<end, forward: true, read: read) == items[front.item]
            else { break }
            front = (front.item + 1, end)
        }
        while back.item > front.item {
            let start = back.offset - (boundaries[back.item] - boundaries[back.item - 1])
            guard start >= front.offset,
                try window.fingerprint(of: start..<back.offset, forward: false, read: read) == items[back.item - 1]
            else { break }
            back = (back.item - 1, start)
        }
        if front.item == back.item && front.offset == back.offset { return .same }
        // What follows the edit must begin a line, as it did: else it would be read as part of
        // the edit's last line, which a read of the edit alone cannot see.
        if front.offset < back.offset, back.offset < newCount {
            let last = try window.byte(at: back.offset - 1, read: read)
            guard last == UInt8(ascii: "\n") || last == UInt8(ascii: "\r") else { return .notWithinItems }
        }
        return .items(front.item..<back.item, replacement: front.offset..<back.offset)
    }

    /// This text with `replaced` items replaced by the new text's items that begin at `starts`,
    /// the new text being this one with that edit (``compare(with:)``), of which `excerpt` holds
    /// the part from ``excerptStart(for:)`` to the edit's end (or from the first replaced item,
    /// when the edit was widened to it).
    func replacing(_ replaced: Range<Int>, withItemsAt starts: [Int], from excerpt: Excerpt) -> ServiceListText {
        var next = self
        next.layout = layout.replacing(replaced, withItemsAt: starts, shift: excerpt.textCount - count)
        next.count = excerpt.textCount
        let boundaries = next.layout.boundaries
        func fingerprint(ofItem item: Int) -> TextFingerprint {
            excerpt[boundaries[item]..<boundaries[item + 1]].withUnsafeBytes(TextFingerprint.init)
        }
        let added = replaced.lowerBound..<(replaced.lowerBound + starts.count)
        next.items.replaceSubrange(replaced, with: added.map(fingerprint(ofItem:)))
        // Lines before the first new item (comments, blank lines) join what precedes it. An
        // excerpt that begins at the first replaced item (an edit widened to the item before an
        // insertion) put none there: what precedes it kept its text.
        if replaced.lowerBound == 0 {
            if excerpt.start == 0 { next.head = excerpt[0..<boundaries[0]].withUnsafeBytes(TextFingerprint.init) }
        } else if boundaries[replaced.lowerBound - 1] >= excerpt.start {
            next.items[replaced.lowerBound - 1] = fingerprint(ofItem: replaced.lowerBound - 1)
        }
        return next
    }

    /// The block of the new text a comparison holds, read where the comparison goes next.
    private struct Window: ~Copyable {
        private let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: ServiceListText.block, alignment: 16)
        /// The bytes of the new text the buffer holds.
        private var held = 0..<0
        private let count: Int

        init(count: Int) { self.count = count }

        deinit { buffer.deallocate() }

        /// The fingerprint of `range`; when the block does not hold it, a block is read that
        /// begins with it (going `forward`) or ends with it.
        mutating func fingerprint<Failure: Error>(
            of range: Range<Int>, forward: Bool, read: (Int, UnsafeMutableRawBufferPointer) throws(Failure) -> Void
        ) throws(Failure) -> TextFingerprint {
            if range.isEmpty { return TextFingerprint(of: UnsafeRawBufferPointer(start: nil, count: 0)) }
            guard range.count <= buffer.count else {
                // Larger than a block (a long list of nodes before the services): read on its own.
                let whole = UnsafeMutableRawBufferPointer.allocate(byteCount: range.count, alignment: 16)
                defer { whole.deallocate() }
                try read(range.lowerBound, whole)
                return TextFingerprint(of: UnsafeRawBufferPointer(whole))
            }
            try hold(range, forward: forward, read: read)
            return TextFingerprint(
                of: UnsafeRawBufferPointer(rebasing: buffer[(range.lowerBound - held.lowerBound)..<(range.upperBound - held.lowerBound)]))
        }

        /// The byte at `offset`, read going backward when the block does not hold it.
        mutating func byte<Failure: Error>(
            at offset: Int, read: (Int, UnsafeMutableRawBufferPointer) throws(Failure) -> Void
        ) throws(Failure) -> UInt8 {
            try hold(offset..<(offset + 1), forward: false, read: read)
            return buffer[offset - held.lowerBound]
        }

        private mutating func hold<Failure: Error>(
            _ range: Range<Int>, forward: Bool, read: (Int, UnsafeMutableRawBufferPointer) throws(Failure) -> Void
        ) throws(Failure) {
            guard range.lowerBound < held.lowerBound || range.upperBound > held.upperBound else { return }
            let start = forward ? range.lowerBound : max(0, range.upperBound - buffer.count)
            let end = min(count, start + buffer.count)
            try read(start, UnsafeMutableRawBufferPointer(rebasing: buffer[..<(end - start)]))
            held = start..<end
        }
    }
}
