import Config

/// What identifies one version of the config on disk: the ``FileStamp`` of the config file and
/// of each service file its patterns match now. Polled once a second rather than watched with
/// inotify: that needs no thread of its own and follows atomic renames and symlink swaps (a
/// ConfigMap's `..data`), which watches on the old inode miss; a file added to a service-file
/// directory changes the list of files.
struct ConfigFingerprint: Hashable, Sendable {
    var file: FileStamp
    /// Each service file's path and stamp.
    var serviceFiles: [ServiceFilePatterns.File] = []

    /// nil when the config file cannot be examined (missing: the next load reports why).
    static func of(path: String, serviceFiles patterns: ServiceFilePatterns? = nil) -> ConfigFingerprint? {
        guard let file = FileStamp(path: path) else { return nil }
        // A pattern that cannot be expanded lists no files: the load it starts reports why.
        return ConfigFingerprint(file: file, serviceFiles: patterns.flatMap { try? $0.files() } ?? [])
    }
}
