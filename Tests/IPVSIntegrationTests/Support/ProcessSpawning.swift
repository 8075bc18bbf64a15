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
