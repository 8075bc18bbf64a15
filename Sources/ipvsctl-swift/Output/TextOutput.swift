#if canImport(Glibc)
    import Glibc
#endif

/// Text gathered as bytes and written to a descriptor in large pieces: one `write` per 64 KiB
/// however many lines, with no `String` made per field.
struct TextOutput {
    private var bytes: [UInt8] = []
    private let descriptor: Int32
    private let flushAt: Int

    init(descriptor: Int32, flushAt: Int = 64 * 1024) {
        self.descriptor = descriptor
        self.flushAt = flushAt
        bytes.reserveCapacity(flushAt + 4096)
    }

    /// Where the next byte goes: the start of a field that ``pad(from:to:)`` widens.
    var mark: Int { bytes.count }

    mutating func append(_ text: String) {
        var text = text
        text.withUTF8 { bytes.append(contentsOf: $0) }
    }

    mutating func append(_ byte: UInt8) { bytes.append(byte) }

    /// A decimal number, without going through `String`.
    mutating func append(decimal value: UInt64) {
        var value = value
        if value == 0 {
            bytes.append(UInt8(ascii: "0"))
            return
        }
        let start = bytes.count
        while value > 0 {
            bytes.append(UInt8(ascii: "0") + UInt8(value % 10))
            value /= 10
        }
        bytes[start...].reverse()
    }

    /// Spaces until the field begun at `start` is `width` bytes wide (columns hold ASCII).
    mutating func pad(from start: Int, to width: Int) {
        let written = bytes.count - start
        if written < width { bytes.append(contentsOf: repeatElement(UInt8(ascii: " "), count: width - written)) }
    }

    /// Ends a line, and writes what was gathered once there is enough of it.
    mutating func endLine() throws(OutputError) {
        bytes.append(UInt8(ascii: "\n"))
        if bytes.count >= flushAt { try flush() }
    }

    /// Writes out what was gathered.
    mutating func flush() throws(OutputError) {
        var written = 0
        while written < bytes.count {
            let result = bytes.withUnsafeBytes { write(descriptor, $0.baseAddress! + written, $0.count - written) }
            if result < 0 {
                let code = errno
                if code == EINTR { continue }
                throw OutputError(errno: code)
            }
            written += result
        }
        bytes.removeAll(keepingCapacity: true)
    }
}

/// Writing the output failed (a closed pipe, a full disk).
struct OutputError: Error, CustomStringConvertible {
    var errno: Int32
    var description: String { "writing the output failed: \(String(cString: strerror(errno)))" }
}
