#if canImport(Glibc)
    import Glibc
#endif

/// Reading the small files credentials live in. Blocking: call at start-up or on a thread pool.
enum CredentialFile {
    static func read(
        _ path: String, role: String, context: String? = nil, key: String? = nil
    )
        throws(KubernetesConfigError) -> [UInt8]
    {
        func failure(_ number: Int32) -> KubernetesConfigError {
            let prefix = context.map { "\($0): " } ?? ""
            return KubernetesConfigError(
                .fileUnreadable, "\(prefix)cannot read \(role) \(path): \(reason(number))", file: path, key: key)
        }
        let descriptor = open(path, O_RDONLY | O_CLOEXEC)
        guard descriptor >= 0 else { throw failure(errno) }
        defer { close(descriptor) }
        var bytes: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 16384)
        while true {
            let count = chunk.withUnsafeMutableBytes { Glibc.read(descriptor, $0.baseAddress, $0.count) }
            if count < 0, errno == EINTR { continue }
            guard count >= 0 else { throw failure(errno) }
            if count == 0 { return bytes }
            bytes += chunk[..<count]
        }
    }

    /// `path` as is when absolute, else relative to `directory` (a kubeconfig's own directory).
    static func resolve(_ path: String, against directory: String) -> String {
        if path.hasPrefix("/") || directory.isEmpty { return path }
        return directory.hasSuffix("/") ? directory + path : directory + "/" + path
    }

    static func directory(of path: String) -> String {
        guard let slash = path.lastIndex(of: "/") else { return "." }
        return slash == path.startIndex ? "/" : String(path[..<slash])
    }

    /// The system's words for an error number; a missing file said plainly.
    private static func reason(_ number: Int32) -> String {
        number == ENOENT ? "no such file" : String(cString: strerror(number))
    }
}
