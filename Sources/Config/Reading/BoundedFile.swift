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
        try readingOneVersion(of: path, limit: limit) { file throws(Refusal) in
            // Straight into the array, a chunk at a time, without a second copy: a 4 MB file is
            // copied once from the kernel, which under emulation is what the read costs.
            var shorter = false
            var failure: Refusal?
            let contents = [UInt8](unsafeUninitializedCapacity: file.size) { buffer, initialized in
                do throws(Refusal) {
                    while initialized < file.size {
                        let end = min(initialized + chunk, file.size)
                        let part = UnsafeMutableRawBufferPointer(UnsafeMutableBufferPointer(rebasing: buffer[initialized..<end]))
                        // Shorter than it was: truncated while read.
                        guard try file.fill(part, at: initialized) else {
                            shorter = true
                            return
                        }
                        initialized = end
                        afterChunk()
                    }
                } catch {
                    failure = error
                }
            }
            if let failure { throw failure }
            return shorter ? nil : contents
        }
    }

    /// The bytes asked of one `read`.
    static let chunk = 64 * 1024

    /// An open regular file of at most the limit's size, as it was when opened.
    struct OpenFile: ~Copyable {
        let descriptor: Int32
        let status: stat
        let limit: Int
        var size: Int { Int(status.st_size) }

        /// Reads at `offset` (pread): the bytes read, 0 at the end of the file.
        func read(into buffer: UnsafeMutableRawBufferPointer, at offset: Int) throws(Refusal) -> Int {
            while true {
                let count = pread(descriptor, buffer.baseAddress, buffer.count, off_t(offset))
                if count >= 0 { return count }
                if errno != EINTR { throw .cannotRead(reason: BoundedFile.reason()) }
            }
        }

        /// Fills `buffer` with the bytes from `offset`: false when the file ends before it is full.
        func fill(_ buffer: UnsafeMutableRawBufferPointer, at offset: Int) throws(Refusal) -> Bool {
            var filled = 0
            while filled < buffer.count {
                let count = try read(into: UnsafeMutableRawBufferPointer(rebasing: buffer[filled...]), at: offset + filled)
                if count == 0 { return false }
                filled += count
            }
            return true
        }

        /// Whether the file is still the version opened: no byte past its size, the same size
        /// and modification time. One past the limit is refused as growth.
        func isUnchanged() throws(Refusal) -> Bool {
            var extra: UInt8 = 0
            if try withUnsafeMutableBytes(of: &extra, { buffer throws(Refusal) in try read(into: buffer, at: size) }) > 0 {
                guard size < limit else { throw .grew(limit: limit) }
                return false
            }
            var after = stat()
            guard fstat(descriptor, &after) == 0 else { throw .cannotExamine(reason: BoundedFile.reason()) }
            return after.st_size == status.st_size && after.st_mtim.tv_sec == status.st_mtim.tv_sec
                && after.st_mtim.tv_nsec == status.st_mtim.tv_nsec
        }

        deinit { close(descriptor) }
    }

    /// Opens the file and runs `body` on it until it sees one version: `body` may return nil
    /// when the file changed under it, as may the check after it.
    static func readingOneVersion<Result>(
        of path: String, limit: Int, _ body: (borrowing OpenFile) throws(Refusal) -> Result?
    ) throws(Refusal) -> Result {
        for _ in 1...attempts {
            let file = try openRegularFile(path, limit: limit)
            if let result = try body(file), try file.isUnchanged() { return result }
        }
        throw .keptChanging(times: attempts)
    }

    private static func openRegularFile(_ path: String, limit: Int) throws(Refusal) -> OpenFile {
        // O_NONBLOCK: opening a FIFO for reading would otherwise wait for a writer, forever.
        let descriptor = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK | O_NOCTTY)
        guard descriptor >= 0 else { throw .cannotOpen(reason: reason()) }
        var status = stat()
        guard fstat(descriptor, &status) == 0 else {
            let refusal = Refusal.cannotExamine(reason: reason())
            close(descriptor)
            throw refusal
        }
        let file = OpenFile(descriptor: descriptor, status: status, limit: limit)
        let kind = FileKind(mode: status.st_mode)
        guard kind == .regular else { throw .notRegular(kind) }
        guard status.st_size <= limit else { throw .tooLarge(bytes: Int64(status.st_size), limit: limit) }
        return file
    }

    private static func reason() -> String { String(cString: strerror(errno)) }

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
