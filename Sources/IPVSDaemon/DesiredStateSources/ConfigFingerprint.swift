#if canImport(Glibc)
    import Glibc
#elseif canImport(Musl)
    import Musl
#endif

/// What identifies one version of the config file on disk: the file the path resolves to and its
/// size and modification time. Polled once a second rather than watched with inotify: that needs
/// no thread of its own and follows atomic renames and symlink swaps (a ConfigMap's `..data`),
/// which watches on the old inode miss.
struct ConfigFingerprint: Hashable, Sendable {
    var device: UInt64
    var inode: UInt64
    var size: Int64
    var modifiedSeconds: Int
    var modifiedNanoseconds: Int

    /// nil when the file cannot be examined (missing: the next load reports why).
    static func of(path: String) -> ConfigFingerprint? {
        var info = stat()
        guard stat(path, &info) == 0 else { return nil }
        return ConfigFingerprint(
            device: UInt64(info.st_dev), inode: UInt64(info.st_ino), size: Int64(info.st_size),
            modifiedSeconds: info.st_mtim.tv_sec, modifiedNanoseconds: info.st_mtim.tv_nsec)
    }
}
