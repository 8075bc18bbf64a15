#if canImport(Glibc)
    import Glibc
#endif

/// Tells systemd about the service's state with the sd_notify protocol: one datagram of
/// `KEY=value` lines to the Unix socket named by `NOTIFY_SOCKET`.
///
/// Written here rather than linked from libsystemd so the binary has no systemd dependency and
/// runs the same outside systemd. A value exists only when the process runs under systemd with
/// notification enabled (`Type=notify`), so callers hold an optional and do nothing otherwise.
///
/// ```swift
/// let notifier = SystemdNotifier.fromProcessEnvironment()
/// try notifier?.send([.ready, .status("12 virtual services in sync")])
/// ```
public struct SystemdNotifier: Sendable, Hashable {
    /// `NOTIFY_SOCKET` as systemd gave it: an absolute path, or `@name` for an abstract socket.
    public let socketAddress: String

    /// How often systemd expects ``State/watchdog`` at the latest (`WatchdogSec=`), or nil when
    /// there is no watchdog for this process. Ping at half this interval so that one slow
    /// round does not get the service killed.
    public let watchdogInterval: Duration?

    /// Reads `NOTIFY_SOCKET`, `WATCHDOG_USEC` and `WATCHDOG_PID` from `environment`; nil when
    /// `NOTIFY_SOCKET` is unset or empty (not started by systemd as a notify service).
    ///
    /// The watchdog is honoured only when `WATCHDOG_PID` is absent or equals `processID`:
    /// systemd sets it so that a child that inherited the environment does not take the
    /// watchdog as its own.
    public init?(environment: [String: String], processID: Int32 = getpid()) {
        guard let socket = environment["NOTIFY_SOCKET"], !socket.isEmpty else { return nil }
        self.socketAddress = socket
        self.watchdogInterval = Self.watchdogInterval(environment: environment, processID: processID)
    }

    /// The notifier for this process's own environment, or nil when not run by systemd.
    public static func fromProcessEnvironment() -> SystemdNotifier? {
        var environment: [String: String] = [:]
        for name in ["NOTIFY_SOCKET", "WATCHDOG_USEC", "WATCHDOG_PID"] {
            if let value = getenv(name) { environment[name] = String(cString: value) }
        }
        return SystemdNotifier(environment: environment)
    }

    /// Sends `states` in one datagram, so that systemd sees them together (for example
    /// `READY=1` with the first `STATUS=`). Does not block: a notify socket that is full or
    /// gone gives a ``SystemdNotifyError`` instead of stalling the caller.
    public func send(_ states: [State]) throws(SystemdNotifyError) {
        guard !states.isEmpty else { return }
        let message = Self.message(for: states, monotonicMicroseconds: Self.monotonicMicroseconds())
        let address = try NotifySocketAddress(socketAddress)
        try address.sendDatagram(Array(message.utf8))
    }

    /// Sends one state; see ``send(_:)``.
    public func send(_ state: State) throws(SystemdNotifyError) {
        try send([state])
    }

    static func watchdogInterval(environment: [String: String], processID: Int32) -> Duration? {
        guard let text = environment["WATCHDOG_USEC"], let microseconds = UInt64(text), microseconds > 0 else {
            return nil
        }
        if let owner = environment["WATCHDOG_PID"] {
            guard let pid = Int32(owner), pid == processID else { return nil }
        }
        return .microseconds(Int64(clamping: microseconds))
    }

    /// `CLOCK_MONOTONIC` in microseconds, the clock systemd compares `MONOTONIC_USEC` with.
    static func monotonicMicroseconds() -> UInt64 {
        var now = timespec()
        clock_gettime(CLOCK_MONOTONIC, &now)
        return UInt64(now.tv_sec) * 1_000_000 + UInt64(now.tv_nsec) / 1_000
    }
}
