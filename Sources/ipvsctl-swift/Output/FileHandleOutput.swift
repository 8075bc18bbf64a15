#if canImport(Glibc)
    import Glibc
#endif

enum FileHandleOutput {
    /// Writes a line to standard error (the descriptor, not libc's shared `stderr` FILE).
    static func standardError(_ text: String) {
        let line = text.hasSuffix("\n") ? text : text + "\n"
        _ = line.utf8CString.withUnsafeBufferPointer { write(2, $0.baseAddress, $0.count - 1) }
    }
}

enum Clock {
    static var secondsSinceEpoch: Int {
        var now = timespec()
        clock_gettime(CLOCK_REALTIME, &now)
        return now.tv_sec
    }
}
