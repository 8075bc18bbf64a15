import NIOCore

/// Cuts a watch response body into lines, one JSON watch event each: bytes in, complete lines
/// out, no I/O.
///
/// The API server writes one event per line, but the transport hands the body over in chunks
/// that cut lines anywhere, so a partial line is kept until its newline arrives. Blank lines
/// (and a `\r` before the newline) are dropped. A line longer than `maximumLineLength` is an
/// error rather than unbounded buffering: a healthy server never sends one that long.
public struct WatchLineSplitter: Sendable {
    public struct LineTooLong: Error, Hashable, Sendable, CustomStringConvertible {
        public var maximumLineLength: Int
        public var description: String {
            "a watch event line is longer than \(maximumLineLength) bytes"
        }
    }

    /// 16 MiB: well above the 1.5 MiB etcd allows one object, with room for JSON escaping.
    public static let defaultMaximumLineLength = 16 * 1024 * 1024

    public let maximumLineLength: Int
    private var partial: [UInt8] = []

    public init(maximumLineLength: Int = Self.defaultMaximumLineLength) {
        precondition(maximumLineLength > 0, "maximumLineLength must be positive")
        self.maximumLineLength = maximumLineLength
    }

    /// The lines that `chunk` completes, in order, without their newline.
    public mutating func append(_ chunk: ByteBuffer) throws(LineTooLong) -> [[UInt8]] {
        try append(chunk.readableBytesView)
    }

    /// The lines that `bytes` completes, in order, without their newline.
    public mutating func append(_ bytes: some Collection<UInt8>) throws(LineTooLong) -> [[UInt8]] {
        var lines: [[UInt8]] = []
        var start = bytes.startIndex
        while let newline = bytes[start...].firstIndex(of: UInt8(ascii: "\n")) {
            partial.append(contentsOf: bytes[start..<newline])
            try checkLength()
            if let line = takeLine() { lines.append(line) }
            start = bytes.index(after: newline)
        }
        partial.append(contentsOf: bytes[start...])
        try checkLength()
        return lines
    }

    /// The last line when the body ended without a newline after it, if any.
    public mutating func finish() -> [UInt8]? {
        takeLine()
    }

    private mutating func checkLength() throws(LineTooLong) {
        guard partial.count > maximumLineLength else { return }
        partial = []
        throw LineTooLong(maximumLineLength: maximumLineLength)
    }

    private mutating func takeLine() -> [UInt8]? {
        defer { partial.removeAll(keepingCapacity: true) }
        var line = partial[...]
        if line.last == UInt8(ascii: "\r") { line = line.dropLast() }
        guard line.contains(where: { $0 != UInt8(ascii: " ") && $0 != UInt8(ascii: "\t") }) else { return nil }
        return Array(line)
    }
}
