import CXXHash

/// XXH3's 128-bit hash of some bytes: what a reload compares a part of the config by, instead
/// of the last good text itself.
///
/// Two different texts share a fingerprint by chance about once in 2^128. XXH3 is not made to
/// resist a crafted collision, but whoever could craft one writes the config anyway.
struct TextFingerprint: Hashable, Sendable {
    private let low: UInt64
    private let high: UInt64

    /// `XXH3_128bits` of `bytes`.
    init(of bytes: UnsafeRawBufferPointer) {
        let hash = XXH3_128bits(bytes.baseAddress, bytes.count)
        low = hash.low64
        high = hash.high64
    }
}
