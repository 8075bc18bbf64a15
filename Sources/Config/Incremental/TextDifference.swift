#if canImport(Glibc)
    import Glibc
#elseif canImport(Musl)
    import Musl
#elseif canImport(Darwin)
    import Darwin
#endif

/// How a new text differs from an old one: the bytes of the old text it replaces and what
/// replaces them; before them is the texts' common prefix, after them their common suffix.
///
/// Found a block at a time, the new text read a block at a time too (front to back for the
/// prefix, back to front for the suffix), so that it is never held whole: a 4 MB config file
/// edited in one line costs one read of it and one comparison, not a second 4 MB array.
struct TextDifference: Equatable, Sendable {
    /// The bytes of the old text that are replaced.
    var replaced: Range<Int>
    var replacement: [UInt8]

    static let block = 64 * 1024

    /// How many bytes longer the new text is.
    var shift: Int { replacement.count - replaced.count }

    /// The new text, made from `old`.
    func applied(to old: [UInt8]) -> [UInt8] {
        var new = old
        new.replaceSubrange(replaced, with: replacement)
        return new
    }

    /// How `new` differs from `old`; nil when they are equal.
    static func between(_ old: [UInt8], _ new: [UInt8]) -> TextDifference? {
        new.withUnsafeBytes { bytes in
            find(from: old, toTextOf: new.count) { offset, buffer in
                buffer.copyMemory(from: UnsafeRawBufferPointer(rebasing: bytes[offset..<(offset + buffer.count)]))
            }
        }
    }

    /// How a new text of `count` bytes differs from `old`; nil when they are equal. `read`
    /// fills a buffer with the new text's bytes from an offset.
    static func find<Failure: Error>(
        from old: [UInt8], toTextOf count: Int, read: (Int, UnsafeMutableRawBufferPointer) throws(Failure) -> Void
    ) throws(Failure) -> TextDifference? {
        // `withUnsafeBytes` rethrows untyped errors: the outcome is carried out as a Result.
        var outcome: Result<TextDifference?, Failure> = .success(nil)
        old.withUnsafeBytes { old in outcome = Result { () throws(Failure) in try find(from: old, toTextOf: count, read: read) } }
        return try outcome.get()
    }

    private static func find<Failure: Error>(
        from old: UnsafeRawBufferPointer, toTextOf count: Int, read: (Int, UnsafeMutableRawBufferPointer) throws(Failure) -> Void
    ) throws(Failure) -> TextDifference? {
        let chunk = UnsafeMutableRawBufferPointer.allocate(byteCount: block, alignment: 16)
        defer { chunk.deallocate() }
        let shared = min(old.count, count)
        var prefix = 0
        while prefix < shared {
            let length = min(block, shared - prefix)
            try read(prefix, UnsafeMutableRawBufferPointer(rebasing: chunk[..<length]))
            let equal = equalLength(old.baseAddress! + prefix, chunk.baseAddress!, length, fromEnd: false)
            prefix += equal
            if equal < length { break }
        }
        if prefix == old.count && prefix == count { return nil }
        // The suffix may not reach into the prefix of either text.
        var suffix = 0
        while suffix < shared - prefix {
            let length = min(block, shared - prefix - suffix)
            try read(count - suffix - length, UnsafeMutableRawBufferPointer(rebasing: chunk[..<length]))
            let equal = equalLength(old.baseAddress! + (old.count - suffix - length), chunk.baseAddress!, length, fromEnd: true)
            suffix += equal
            if equal < length { break }
        }
        let middle = UnsafeMutableRawBufferPointer.allocate(byteCount: count - suffix - prefix, alignment: 1)
        defer { middle.deallocate() }
        if middle.count > 0 { try read(prefix, middle) }
        return TextDifference(replaced: prefix..<(old.count - suffix), replacement: Array(middle.bindMemory(to: UInt8.self)))
    }

    /// How many bytes of two blocks are equal from their start (or their end).
    private static func equalLength(_ a: UnsafeRawPointer, _ b: UnsafeRawPointer, _ length: Int, fromEnd: Bool) -> Int {
        if memcmp(a, b, length) == 0 { return length }
        var equal = 0
        if fromEnd {
            while a.load(fromByteOffset: length - equal - 1, as: UInt8.self) == b.load(fromByteOffset: length - equal - 1, as: UInt8.self) {
                equal += 1
            }
        } else {
            while a.load(fromByteOffset: equal, as: UInt8.self) == b.load(fromByteOffset: equal, as: UInt8.self) { equal += 1 }
        }
        return equal
    }
}
