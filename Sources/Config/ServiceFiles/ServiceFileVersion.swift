#if canImport(Glibc)
    import Glibc
#elseif canImport(Musl)
    import Musl
#elseif canImport(Darwin)
    import Darwin
#endif

/// One service file as a load read it: what the file was on disk then (``FileStamp``), when it
/// was read, and what is remembered of its text (``RememberedText``). What lets the agent's
/// reload skip the files no edit touched without reading them, and read only the services an
/// edit of a file touched.
struct ServiceFileVersion: Sendable {
    var path: String
    var stamp: FileStamp?
    /// `CLOCK_REALTIME` just before the stamp was taken, in nanoseconds.
    var readAt: Int64
    var text: RememberedText

    var serviceCount: Int { text.serviceCount }

    /// How long after its last change a file's stamp is trusted to tell a later write. The file
    /// system stamps a write with a clock that moves in ticks: a file written again within the
    /// tick of the read that took its stamp may keep the same stamp. Within this window the file
    /// is read and its hash compared instead, as git treats a "racily clean" index entry.
    static let settling: Int64 = 2_000_000_000

    /// Whether the file, as `stamp` finds it now, is surely this version.
    func isSurelyUnchanged(now stamp: FileStamp?) -> Bool {
        guard let stamp, stamp == self.stamp else { return false }
        return readAt - max(stamp.modified, stamp.changed) > Self.settling
    }

    /// The time now, for ``readAt``.
    static func now() -> Int64 {
        var time = timespec()
        clock_gettime(CLOCK_REALTIME, &time)
        return Int64(time.tv_sec) * 1_000_000_000 + Int64(time.tv_nsec)
    }
}
