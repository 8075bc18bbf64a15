#if canImport(Glibc)
    import Glibc
#elseif canImport(Musl)
    import Musl
#elseif canImport(Darwin)
    import Darwin
#endif

/// Where two texts differ: everything before is their common prefix, everything after their
/// common suffix. Compared with `memcmp` a block at a time, as a 4 MB file is compared at every
/// reload.
enum TextDifference {
    static let block = 4096

    /// The bytes of `old` that `new` replaces (with `new`'s bytes of the same prefix and
    /// suffix); nil when the texts are equal.
    static func changedRange(from old: [UInt8], to new: [UInt8]) -> Range<Int>? {
        old.withUnsafeBufferPointer { old in
            new.withUnsafeBufferPointer { new in
                let prefix = commonPrefix(old, new)
                if prefix == old.count && prefix == new.count { return nil }
                // The suffix may not reach into the prefix of either text.
                let suffix = commonSuffix(old, new, limit: min(old.count, new.count) - prefix)
                return prefix..<(old.count - suffix)
            }
        }
    }

    private static func commonPrefix(_ a: UnsafeBufferPointer<UInt8>, _ b: UnsafeBufferPointer<UInt8>) -> Int {
        let limit = min(a.count, b.count)
        var offset = 0
        while offset + block <= limit, memcmp(a.baseAddress! + offset, b.baseAddress! + offset, block) == 0 { offset += block }
        while offset < limit, a[offset] == b[offset] { offset += 1 }
        return offset
    }

    private static func commonSuffix(_ a: UnsafeBufferPointer<UInt8>, _ b: UnsafeBufferPointer<UInt8>, limit: Int) -> Int {
        var length = 0
        while length + block <= limit,
            memcmp(a.baseAddress! + (a.count - length - block), b.baseAddress! + (b.count - length - block), block) == 0
        {
            length += block
        }
        while length < limit, a[a.count - length - 1] == b[b.count - length - 1] { length += 1 }
        return length
    }
}
