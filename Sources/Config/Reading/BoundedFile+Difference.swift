extension BoundedFile {
    /// How the file differs from `old`, its last good text without a byte-order mark; nil when
    /// it is the same. Read a block at a time as ``TextDifference`` compares it, so that a
    /// reload never holds the new text whole; one version of the file is seen, as
    /// ``contents(of:limit:afterChunk:)`` sees one.
    static func difference(of path: String, from old: [UInt8], limit: Int) throws(Refusal) -> TextDifference? {
        try readingOneVersion(of: path, limit: limit) { file throws(Refusal) -> TextDifference?? in
            var head: (UInt8, UInt8, UInt8) = (0, 0, 0)
            let headCount = try withUnsafeMutableBytes(of: &head) { buffer throws(Refusal) in try file.read(into: buffer, at: 0) }
            let mark = SourceFile.byteOrderMark
            let skip = headCount == mark.count && [head.0, head.1, head.2] == mark ? mark.count : 0
            var shorter = false
            let difference = try TextDifference.find(from: old, toTextOf: file.size - skip) { offset, buffer throws(Refusal) in
                var filled = 0
                while filled < buffer.count, !shorter {
                    let count = try file.read(into: UnsafeMutableRawBufferPointer(rebasing: buffer[filled...]), at: skip + offset + filled)
                    filled += count
                    // Truncated while read: whatever is compared now is thrown away.
                    if count == 0 { shorter = true }
                }
            }
            return shorter ? nil : .some(difference)
        }
    }
}
