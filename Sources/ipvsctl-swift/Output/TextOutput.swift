#if canImport(Glibc)
    import Glibc
#endif

/// Text gathered as bytes and written to a descriptor in large pieces: one `write` per 64 KiB
/// however many lines, with no `String` made per field.
///
/// The bytes go through a pointer into a buffer it owns, hence noncopyable: a `[UInt8]` checked
/// its uniqueness and capacity at every byte appended, most of the 29 ms that printing 100,000
/// real servers took natively.
struct TextOutput: ~Copyable {
    private var buffer: UnsafeMutableBufferPointer<UInt8>
    private var count = 0
    private let descriptor: Int32
    private let flushAt: Int

    init(descriptor: Int32, flushAt: Int = 64 * 1024) {
        self.descriptor = descriptor
        self.flushAt = flushAt
        // Room past `flushAt` for the line that crosses it.
        buffer = .allocate(capacity: flushAt + 4096)
    }

    deinit { buffer.deallocate() }

    /// Where the next byte goes: the start of a field that ``pad(from:to:)`` widens.
    var mark: Int { count }

    /// Room for `extra` more bytes. A line is never split by a flush (a mark points into it):
    /// one longer than the room left makes the buffer larger instead.
    @inline(__always)
    private mutating func reserve(_ extra: Int) {
        if count + extra > buffer.count { grow(toHold: count + extra) }
    }

    private mutating func grow(toHold needed: Int) {
        let larger = UnsafeMutableBufferPointer<UInt8>.allocate(capacity: max(needed, 2 * buffer.count))
        _ = larger.initialize(fromContentsOf: buffer[..<count])
        buffer.deallocate()
        buffer = larger
    }

    mutating func append(_ text: String) {
        var text = text
        text.withUTF8 { utf8 in
            reserve(utf8.count)
            _ = buffer[count...].initialize(fromContentsOf: utf8)
            count += utf8.count
        }
    }

    mutating func append(_ byte: UInt8) {
        reserve(1)
        buffer[count] = byte
        count += 1
    }

    /// A decimal number, without going through `String`: its digits counted, then written from
    /// the last.
    mutating func append(decimal value: UInt64) {
        var digits = 1
        var rest = value
        while rest >= 10 {
            rest /= 10
            digits += 1
        }
        reserve(digits)
        var value = value
        var position = count + digits
        repeat {
            position -= 1
            buffer[position] = UInt8(ascii: "0") + UInt8(truncatingIfNeeded: value % 10)
            value /= 10
        } while value > 0
        count += digits
    }

    /// Spaces until the field begun at `start` is `width` bytes wide (columns hold ASCII).
    mutating func pad(from start: Int, to width: Int) {
        let missing = width - (count - start)
        guard missing > 0 else { return }
        reserve(missing)
        buffer[count..<(count + missing)].update(repeating: UInt8(ascii: " "))
        count += missing
    }

    /// Ends a line, and writes what was gathered once there is enough of it.
    mutating func endLine() throws(OutputError) {
        append(UInt8(ascii: "\n"))
        if count >= flushAt { try flush() }
    }

    /// Writes out what was gathered.
    mutating func flush() throws(OutputError) {
        var written = 0
        while written < count {
            let result = write(descriptor, buffer.baseAddress! + written, count - written)
            if result < 0 {
                let code = errno
                if code == EINTR { continue }
                throw OutputError(errno: code)
            }
            written += result
        }
        count = 0
    }
}

/// Writing the output failed (a closed pipe, a full disk).
struct OutputError: Error, CustomStringConvertible {
    var errno: Int32
    var description: String { "writing the output failed: \(String(cString: strerror(errno)))" }
}
