#if canImport(Glibc)
    import Glibc
#elseif canImport(Musl)
    import Musl
#elseif canImport(Darwin)
    import Darwin
#endif

/// Reads a config file (``BoundedFile``: plain POSIX calls, so that the config target needs no
/// Foundation of its own) and turns every way that can fail into a ``ConfigProblem``.
enum SourceFile {
    /// UTF-8's byte-order mark: libyaml would see it as content once the encoding is fixed to
    /// UTF-8, so it is not part of the text.
    static let byteOrderMark: [UInt8] = [0xEF, 0xBB, 0xBF]

    static func withoutByteOrderMark(_ bytes: [UInt8]) -> ArraySlice<UInt8> {
        bytes.starts(with: byteOrderMark) ? bytes.dropFirst(byteOrderMark.count) : bytes[...]
    }

    /// `bytes` without a byte-order mark, copied only when it has one.
    static func strippingByteOrderMark(_ bytes: [UInt8]) -> [UInt8] {
        bytes.starts(with: byteOrderMark) ? Array(bytes.dropFirst(byteOrderMark.count)) : bytes
    }

    /// Refuses text that is not UTF-8 instead of repairing it: a replaced byte inside an
    /// address or a name would produce a confusing error somewhere else, or none at all.
    ///
    /// Checked in place: a config is nearly always ASCII, and a copy of a 4 MB text as a
    /// `String` would only add to the load's peak memory.
    static func checkUTF8(_ bytes: ArraySlice<UInt8>, file: String) throws(ConfigError) {
        guard let firstNonASCII = firstNonASCII(in: bytes),
            String(validating: bytes[firstNonASCII...], as: UTF8.self) == nil
        else { return }
        let (line, column) = positionOfFirstInvalidUTF8(in: bytes)
        throw ConfigError(problems: [
            ConfigProblem(
                file: file, line: line, column: column, path: "", code: .unreadableFile,
                message: "the file is not valid UTF-8")
        ])
    }

    /// Eight bytes at a time: a byte at a time took 2 ms of a 4 MB file's load.
    private static func firstNonASCII(in bytes: ArraySlice<UInt8>) -> Int? {
        bytes.withUnsafeBytes { raw -> Int? in
            var offset = 0
            while offset + 8 <= raw.count {
                if raw.loadUnaligned(fromByteOffset: offset, as: UInt64.self) & 0x8080_8080_8080_8080 != 0 { break }
                offset += 8
            }
            while offset < raw.count {
                if raw[offset] >= 0x80 { return bytes.startIndex + offset }
                offset += 1
            }
            return nil
        }
    }

    static func bytes(of path: String) throws(ConfigError) -> [UInt8] {
        do {
            return try BoundedFile.contents(of: path, limit: ConfigLoader.maximumFileBytes)
        } catch {
            throw problem(error, file: path)
        }
    }

    /// Why the file at `file` was not read, as the config's error.
    static func problem(_ refusal: BoundedFile.Refusal, file: String) -> ConfigError {
        ConfigError(problems: [
            ConfigProblem(file: file, line: 0, column: 0, path: "", code: .unreadableFile, message: "the file \(refusal)")
        ])
    }

    /// Line and column (1-based, in characters decoded so far) of the first byte that is not
    /// UTF-8, so the operator can find it.
    private static func positionOfFirstInvalidUTF8(in bytes: ArraySlice<UInt8>) -> (line: Int, column: Int) {
        var line = 1
        var column = 1
        var parser = Unicode.UTF8.ForwardParser()
        var iterator = bytes.makeIterator()
        while true {
            switch parser.parseScalar(from: &iterator) {
            case .valid(let encoded):
                if Unicode.UTF8.decode(encoded) == "\n" {
                    line += 1
                    column = 1
                } else {
                    column += 1
                }
            case .error, .emptyInput:
                return (line, column)
            }
        }
    }
}
