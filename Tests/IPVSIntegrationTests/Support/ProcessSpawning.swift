import Foundation

extension Process {
    /// Starts the process with no signal blocked, as systemd or a shell would.
    ///
    /// Foundation's `Process` hands the child the signal mask of the thread that starts it, and the
    /// threads Swift concurrency runs tests on (libdispatch's workers) block nearly every signal. A
    /// peer started from one keeps SIGTERM pending forever: `terminate()` does nothing and waiting
    /// for it never ends (this hung the whole lab suite once).
    func runWithDefaultSignalMask() throws {
        var none = sigset_t()
        sigemptyset(&none)
        var previous = sigset_t()
        pthread_sigmask(SIG_SETMASK, &none, &previous)
        defer { pthread_sigmask(SIG_SETMASK, &previous, nil) }
        try run()
    }
}

extension Process {
    /// Starts `arguments` (looked up on PATH) with no input, its output and errors appended to
    /// `logPath`: a file, not a pipe, because nobody drains a pipe while a test waits, and a full
    /// one blocks the child.
    static func launchLogging(_ arguments: [String], to logPath: String, environment: [String: String]? = nil) throws -> Process {
        FileManager.default.createFile(atPath: logPath, contents: nil)
        let log = try FileHandle(forWritingTo: URL(fileURLWithPath: logPath))
        log.seekToEndOfFile()
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = arguments
        if let environment { process.environment = environment }
        process.standardInput = FileHandle.nullDevice
        process.standardOutput = log
        process.standardError = log
        try process.runWithDefaultSignalMask()
        return process
    }
}
