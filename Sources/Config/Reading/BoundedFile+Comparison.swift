extension BoundedFile {
    /// How the file differs from `remembered`, the last good text without a byte-order mark
    /// (``ServiceListText``), read a block at a time as it is compared, so that a reload never
    /// holds the new text whole; for an edit of items, the excerpt of the new text that taking
    /// it in needs. One version of the file is seen, as ``contents(of:limit:afterChunk:)`` sees one.
    static func comparison(
        of path: String, with remembered: ServiceListText, limit: Int
    ) throws(Refusal) -> (ServiceListText.Comparison, ServiceListText.Excerpt?) {
        try readingOneVersion(of: path, limit: limit) { file throws(Refusal) -> (ServiceListText.Comparison, ServiceListText.Excerpt?)? in
            var head: (UInt8, UInt8, UInt8) = (0, 0, 0)
            let headCount = try withUnsafeMutableBytes(of: &head) { buffer throws(Refusal) in try file.read(into: buffer, at: 0) }
            let mark = SourceFile.byteOrderMark
            let skip = headCount == mark.count && [head.0, head.1, head.2] == mark ? mark.count : 0
            let count = file.size - skip
            // Truncated while read: whatever is compared then is thrown away.
            var shorter = false
            let comparison = try remembered.compare(count: count) { offset, buffer throws(Refusal) in
                if try !file.fill(buffer, at: skip + offset) { shorter = true }
            }
            guard case .items(let items, let replacement) = comparison else { return shorter ? nil : (comparison, nil) }
            let start = remembered.excerptStart(for: items)
            // `withUnsafeMutableBytes` rethrows untyped errors: the refusal is carried out.
            var bytes = [UInt8](repeating: 0, count: replacement.upperBound - start)
            var failure: Refusal?
            bytes.withUnsafeMutableBytes { buffer in
                do throws(Refusal) {
                    if try !file.fill(buffer, at: skip + start) { shorter = true }
                } catch {
                    failure = error
                }
            }
            if let failure { throw failure }
            return shorter ? nil : (comparison, ServiceListText.Excerpt(start: start, bytes: bytes, textCount: count))
        }
    }
}
