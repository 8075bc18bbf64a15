#if canImport(Glibc)
    import Glibc
#endif

/// The bearer token to send, kept current as its file changes.
///
/// Bound service-account tokens expire (an hour by default) and the kubelet rewrites the file
/// well before, by swapping a symlink: the file is stat'ed (following symlinks) at most every
/// `recheckInterval` and re-read when its inode, size or modification time changed; after a
/// 401 it is re-read at once. Reads run on NIO's thread pool.
public actor BearerTokenSource {
    private let token: KubernetesCredentials.BearerToken
    private let recheckInterval: Duration
    private let clock = ContinuousClock()
    private var current: String?
    private var stamp: FileStamp?
    private var lastChecked: ContinuousClock.Instant?

    public init(_ token: KubernetesCredentials.BearerToken, recheckInterval: Duration = .seconds(5)) {
        self.token = token
        self.recheckInterval = recheckInterval
    }

    /// The token to send now.
    public func value() async throws -> String {
        switch token {
        case .literal(let literal):
            return literal
        case .file(let path):
            let now = clock.now
            if let current, let lastChecked, lastChecked.duration(to: now) < recheckInterval { return current }
            lastChecked = now
            let newStamp = try await BlockingIO.run { try FileStamp.of(path) }
            if let current, newStamp == stamp { return current }
            return try await reread(path)
        }
    }

    /// The server refused the token: read the file again now, whatever its stamp says.
    /// Returns false when there is nothing to re-read (a literal token).
    public func refreshAfterUnauthorized() async throws -> Bool {
        guard case .file(let path) = token else { return false }
        lastChecked = clock.now
        _ = try await reread(path)
        return true
    }

    private func reread(_ path: String) async throws -> String {
        let (newStamp, bytes) = try await BlockingIO.run {
            let stamp = try FileStamp.of(path)
            return (stamp, try CredentialFile.read(path, role: "token file"))
        }
        let text = String(decoding: bytes, as: UTF8.self).trimmingWhitespace()
        guard !text.isEmpty else {
            throw KubernetesConfigError(.invalidValue, "token file \(path) is empty", file: path)
        }
        current = text
        stamp = newStamp
        return text
    }
}

/// What tells a rewritten file from the one read before.
struct FileStamp: Hashable, Sendable {
    var device: UInt64
    var inode: UInt64
    var size: Int64
    var modifiedSeconds: Int
    var modifiedNanoseconds: Int

    static func of(_ path: String) throws(KubernetesConfigError) -> FileStamp {
        var info = stat()
        guard stat(path, &info) == 0 else {
            let reason = String(cString: strerror(errno))
            throw KubernetesConfigError(.fileUnreadable, "cannot read token file \(path): \(reason)", file: path)
        }
        return FileStamp(
            device: UInt64(info.st_dev), inode: UInt64(info.st_ino), size: Int64(info.st_size),
            modifiedSeconds: Int(info.st_mtim.tv_sec), modifiedNanoseconds: Int(info.st_mtim.tv_nsec))
    }
}

extension String {
    func trimmingWhitespace() -> String {
        let scalars = unicodeScalars
        guard let first = scalars.firstIndex(where: { !$0.properties.isWhitespace }),
            let last = scalars.lastIndex(where: { !$0.properties.isWhitespace })
        else { return "" }
        return String(scalars[first...last])
    }
}
