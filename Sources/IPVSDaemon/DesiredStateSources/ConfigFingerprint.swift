import Config

/// What identifies one version of the config on disk: the ``FileStamp`` of the config file and
/// of each service file its patterns match now. Polled once a second rather than watched with
/// inotify: that needs no thread of its own and follows atomic renames and symlink swaps (a
/// ConfigMap's `..data`), which watches on the old inode miss; a file added to a service-file
/// directory changes the list of files.
struct ConfigFingerprint: Equatable, Sendable {
    var file: FileStamp
    /// The service files, each with its path and stamp; nil without service files, or when the
    /// patterns cannot be expanded (the load this starts reports why).
    var serviceFiles: ServiceFilePatterns.Listing?

    /// nil when the config file cannot be examined (missing: the next load reports why).
    static func of(path: String, serviceFiles patterns: ServiceFilePatterns? = nil) -> ConfigFingerprint? {
        guard let file = FileStamp(path: path) else { return nil }
        return ConfigFingerprint(file: file, serviceFiles: patterns.flatMap { try? $0.listing() })
    }

    /// The same files with the same stamps; when the service files were listed does not count.
    static func == (lhs: ConfigFingerprint, rhs: ConfigFingerprint) -> Bool {
        lhs.file == rhs.file && lhs.serviceFiles?.files == rhs.serviceFiles?.files
    }
}
