import Foundation

/// Reading the small files credentials live in. Blocking: call at start-up or on a thread pool.
enum CredentialFile {
    static func read(
        _ path: String, role: String, context: String? = nil, key: String? = nil
    )
        throws(KubernetesConfigError) -> [UInt8]
    {
        do {
            return Array(try Data(contentsOf: URL(fileURLWithPath: path)))
        } catch {
            let prefix = context.map { "\($0): " } ?? ""
            throw KubernetesConfigError(
                .fileUnreadable, "\(prefix)cannot read \(role) \(path): \(reason(error))",
                file: path, key: key, cause: error)
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

    /// Foundation's errors are long; the POSIX reason underneath says it best.
    private static func reason(_ error: any Error) -> String {
        let nsError = error as NSError
        if let underlying = nsError.userInfo[NSUnderlyingErrorKey] as? NSError, underlying.domain == NSPOSIXErrorDomain {
            return String(cString: strerror(Int32(underlying.code)))
        }
        if nsError.domain == NSCocoaErrorDomain, nsError.code == NSFileReadNoSuchFileError {
            return "no such file"
        }
        return nsError.localizedDescription
    }
}
