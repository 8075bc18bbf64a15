#if canImport(Glibc)
    import Glibc
#elseif canImport(Musl)
    import Musl
#elseif canImport(Darwin)
    import Darwin
#endif

/// Reads a whole file the loader was pointed at (the config, a CA bundle), refusing before it
/// reads anything what would hang it or swell it: a FIFO or a device (read forever), a file
/// larger than the caller's limit. The loader runs before any kernel write, and in the agent
/// on a thread the reconcile passes share.
enum BoundedFile {
    /// Why a file was not read, worded to follow its name: "caFile '/x' is a FIFO, not a
    /// regular file", "the file cannot be opened: No such file or directory".
    enum Refusal: Error, Equatable, CustomStringConvertible {
        case cannotOpen(reason: String)
        case cannotExamine(reason: String)
        case notRegular(FileKind?)
        case tooLarge(bytes: Int64, limit: Int)
        case cannotRead(reason: String)
        case grew(limit: Int)
        case keptChanging(times: Int)

        var description: String {
            switch self {
            case .cannotOpen(let reason): "cannot be opened: \(reason)"
            case .cannotExamine(let reason): "cannot be examined: \(reason)"
            case .notRegular(let kind?): "is \(kind), not a regular file"
            case .notRegular(nil): "is not a regular file"
            case .tooLarge(let bytes, let limit): "is \(bytes) bytes, more than the \(Self.size(limit)) allowed"
            case .cannotRead(let reason): "cannot be read: \(reason)"
            case .grew(let limit): "grew past the \(Self.size(limit)) allowed while it was read"
            case .keptChanging(let times): "was rewritten while it was read, \(times) times in a row"
            }
        }

        private static func size(_ bytes: Int) -> String {
            bytes >= 1 << 20 && bytes.isMultiple(of: 1 << 20) ? "\(bytes >> 20) MiB" : "\(bytes) bytes"
        }
    }

    /// Reads of a file that keeps being rewritten in place before it is refused.
    static let attempts = 3

    /// The file's bytes; at most `limit` of them, all from one version of the file.
    ///
    /// A file replaced by rename while it is read is read to its end as it was (the descriptor
    /// keeps the old file). A file rewritten in place would give the start of one version and the
    /// end of another: its size or modification time differs after the read, and it is read again
    /// (a rewrite to the same length within one tick of the file system's clock goes unseen).
    /// - Parameter afterChunk: a test hook, called after each chunk read.
    static func contents(of path: String, limit: Int, afterChunk: () -> Void = {}) throws(Refusal) -> [UInt8] {
        for _ in 1...attempts {
            if let contents = try contentsIfUnchanged(of: path, limit: limit, afterChunk: afterChunk) { return contents }
        }
        throw .keptChanging(times: attempts)
    }

    /// The file's bytes, or nil when it changed while it was read.
    private static func contentsIfUnchanged(of path: String, limit: Int, afterChunk: () -> Void) throws(Refusal) -> [UInt8]? {
        func reason() -> String { String(cString: strerror(errno)) }
        // O_NONBLOCK: opening a FIFO for reading would otherwise wait for a writer, forever.
        let descriptor = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK | O_NOCTTY)
        guard descriptor >= 0 else { throw .cannotOpen(reason: reason()) }
        defer { close(descriptor) }
        var status = stat()
        guard fstat(descriptor, &status) == 0 else { throw .cannotExamine(reason: reason()) }
        let kind = FileKind(mode: status.st_mode)
        guard kind == .regular else { throw .notRegular(kind) }
        guard status.st_size <= limit else { throw .tooLarge(bytes: Int64(status.st_size), limit: limit) }
        // Read straight into the array, a chunk at a time, without a second copy: a 4 MB file
        // is copied once from the kernel, which under emulation is what the read costs.
        let size = Int(status.st_size)
        var failure: Refusal?
        var changed = false
        let contents = [UInt8](unsafeUninitializedCapacity: size) { buffer, initialized in
            while initialized < size {
                let count = read(descriptor, buffer.baseAddress! + initialized, min(Self.chunk, size - initialized))
                if count < 0 {
                    if errno == EINTR { continue }
                    failure = .cannotRead(reason: reason())
                    return
                }
                // Shorter than it was: truncated while read.
                if count == 0 { break }
                initialized += count
                afterChunk()
            }
        }
        if let failure { throw failure }
        // Anything past the size it had: a writer appended while it was read.
        var extra: UInt8 = 0
        while true {
            let count = read(descriptor, &extra, 1)
            if count < 0 && errno == EINTR { continue }
            if count < 0 { throw .cannotRead(reason: reason()) }
            if count > 0 {
                guard size < limit else { throw .grew(limit: limit) }
                changed = true
            }
            break
        }
        var after = stat()
        guard fstat(descriptor, &after) == 0 else { throw .cannotExamine(reason: reason()) }
        let unchanged =
            !changed && after.st_size == status.st_size && after.st_mtim.tv_sec == status.st_mtim.tv_sec
            && after.st_mtim.tv_nsec == status.st_mtim.tv_nsec
        return unchanged && contents.count == Int(after.st_size) ? contents : nil
    }

    /// The bytes asked of one `read`.
    static let chunk = 64 * 1024

    /// What `st_mode` says a path is, in the words an operator knows.
    enum FileKind: Equatable, CustomStringConvertible {
        case regular, directory, characterDevice, blockDevice, fifo, socket, symbolicLink

        init?(mode: mode_t) {
            switch mode & S_IFMT {
            case S_IFREG: self = .regular
            case S_IFDIR: self = .directory
            case S_IFCHR: self = .characterDevice
            case S_IFBLK: self = .blockDevice
            case S_IFIFO: self = .fifo
            case S_IFSOCK: self = .socket
            case S_IFLNK: self = .symbolicLink
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
            case .symbolicLink: "a symbolic link"
            }
        }
    }
}
