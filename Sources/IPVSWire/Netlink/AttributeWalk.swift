/// The attributes of a block walked once, where they lie: the validation every attribute reader
/// shares (``AttributeSequence`` indexes a block with it; the real-server decoder, which runs for
/// every real server of a table read, decodes straight from it, with no index and no slice).
///
/// A length shorter than the attribute header is malformed; one that runs past the block is
/// truncated; a tail too short for a header is padding the kernel may leave, and carries nothing.
enum AttributeWalk {
    /// Calls `body` with each attribute's type (flag bits stripped), the offset of its header in
    /// `block`, and its value, in order.
    @inline(__always)
    static func forEach(
        in block: UnsafeRawBufferPointer, context: StaticString,
        _ body: (_ type: UInt16, _ offset: Int, _ value: UnsafeRawBufferPointer) throws(WireDecodingError) -> Void
    ) throws(WireDecodingError) {
        var offset = 0
        while block.count - offset >= 4 {
            let length = Int(UInt16(littleEndian: block.loadUnaligned(fromByteOffset: offset, as: UInt16.self)))
            let rawType = UInt16(littleEndian: block.loadUnaligned(fromByteOffset: offset + 2, as: UInt16.self))
            guard length >= 4 else {
                throw WireDecodingError(
                    .malformed, "attribute length \(length) is shorter than its header", context: context, offset: offset)
            }
            guard offset + length <= block.count else {
                throw WireDecodingError(
                    .truncated, "attribute \(rawType & AttributeTypeBits.typeMask) of length \(length) runs past its block",
                    context: context, offset: offset)
            }
            let value = UnsafeRawBufferPointer(rebasing: block[(offset + 4)..<(offset + length)])
            try body(rawType & AttributeTypeBits.typeMask, offset, value)
            offset += netlinkAligned(length)
        }
    }

    /// `body` over the bytes of `slice`: `withUnsafeBytes` with the decoders' typed error (the
    /// standard library's rethrows an untyped one).
    @inline(__always)
    static func withBytes<Result>(
        of slice: ArraySlice<UInt8>, _ body: (UnsafeRawBufferPointer) throws(WireDecodingError) -> Result
    ) throws(WireDecodingError) -> Result {
        let outcome: Swift.Result<Result, WireDecodingError> = slice.withUnsafeBytes { bytes in
            do throws(WireDecodingError) { return .success(try body(bytes)) } catch { return .failure(error) }
        }
        return try outcome.get()
    }

    /// The value of an integer attribute in host order; throws when it is shorter than `Integer`.
    @inline(__always)
    static func integer<Integer: FixedWidthInteger & BitwiseCopyable>(
        _ value: UnsafeRawBufferPointer, type: UInt16, context: StaticString, as _: Integer.Type = Integer.self
    ) throws(WireDecodingError) -> Integer {
        let width = MemoryLayout<Integer>.size
        guard value.count >= width else { throw .shortAttribute(type, has: value.count, needs: width, context: context) }
        return Integer(littleEndian: value.loadUnaligned(as: Integer.self))
    }
}
