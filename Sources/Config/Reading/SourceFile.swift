#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// Reads a config file with plain POSIX calls, so that the config target needs no Foundation
/// of its own, and turns every way that can fail into a ``ConfigProblem``.
enum SourceFile {
    /// The file's text; throws the one problem that prevents reading it.
    static func text(of path: String) throws(ConfigError) -> String {
        try decodeUTF8(bytes(of: path), file: path)
    }

    /// Refuses text that is not UTF-8 instead of repairing it: a replaced byte inside an
    /// address or a name would produce a confusing error somewhere else, or none at all.
    static func decodeUTF8(_ bytes: [UInt8], file: String) throws(ConfigError) -> String {
        var bytes = bytes[...]
        // libyaml would see a byte-order mark as content once the encoding is fixed to UTF-8.
        if bytes.starts(with: [0xEF, 0xBB, 0xBF]) { bytes = bytes.dropFirst(3) }
        if let text = String(validating: bytes, as: UTF8.self) {
            return text
        }
        let (line, column) = positionOfFirstInvalidUTF8(in: bytes)
        throw ConfigError(problems: [ConfigProblem(
            file: file, line: line, column: column, path: "", code: .unreadableFile,
            message: "the file is not valid UTF-8")])
    }

    static var maximumBytes: Int { ConfigLoader.maximumFileBytes }

    private static func bytes(of path: String) throws(ConfigError) -> [UInt8] {
        func refusal(_ message: String) -> ConfigError {
            ConfigError(problems: [ConfigProblem(file: path, line: 0, column: 0, path: "", code: .unreadableFile, message: message)])
        }
        func failure(_ action: String) -> ConfigError {
            refusal("cannot \(action) the file: \(String(cString: strerror(errno)))")
        }
        // O_NONBLOCK: opening a FIFO for reading would otherwise wait for a writer, forever.
        let descriptor = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK | O_NOCTTY)
        guard descriptor >= 0 else { throw failure("open") }
        defer { close(descriptor) }
        var status = stat()
        guard fstat(descriptor, &status) == 0 else { throw failure("inspect") }
        // Only a regular file has an end: /dev/zero or a FIFO would be read forever.
        if let kind = FileKind(mode: status.st_mode), kind != .regular {
            throw refusal("cannot read the file: it is \(kind.description), not a regular file")
        }
        guard status.st_size <= maximumBytes else {
            throw refusal("the file is \(status.st_size) bytes, more than the \(maximumBytes / 1024 / 1024) MiB a config may have")
        }
        var contents: [UInt8] = []
        contents.reserveCapacity(Int(status.st_size))
        var chunk = [UInt8](repeating: 0, count: 64 * 1024)
        while true {
            let count = chunk.withUnsafeMutableBytes { read(descriptor, $0.baseAddress, $0.count) }
            if count == 0 { return contents }
            if count < 0 {
                if errno == EINTR { continue }
                throw failure("read")
            }
            contents.append(contentsOf: chunk[..<count])
            // The file grew while it was read (a writer appending to it).
            guard contents.count <= maximumBytes else {
                throw refusal("the file grew past the \(maximumBytes / 1024 / 1024) MiB a config may have while it was read")
            }
        }
    }

    /// What `st_mode` says a path is, in the words an operator knows.
    enum FileKind: CustomStringConvertible {
        case regular, directory, characterDevice, blockDevice, fifo, socket

        init?(mode: mode_t) {
            switch mode & S_IFMT {
            case S_IFREG: self = .regular
            case S_IFDIR: self = .directory
            case S_IFCHR: self = .characterDevice
            case S_IFBLK: self = .blockDevice
            case S_IFIFO: self = .fifo
            case S_IFSOCK: self = .socket
            default: return nil
            }
        }

        var description: String {
            switch self {
            case .regular: "a regular file"
            case .directory: "a directory"
            case .characterDevice: "a character device"
            case .blockDevice: "a block device"
            case .fifo: "a FIFO"
            case .socket: "a socket"
            }
        }
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
