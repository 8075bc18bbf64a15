extension SystemdNotifier {
    /// One assignment of the sd_notify protocol (see `sd_notify(3)`).
    public enum State: Sendable, Hashable {
        /// `READY=1`: start-up (or a reload) is complete; `systemctl start` returns.
        case ready
        /// `RELOADING=1` with `MONOTONIC_USEC=` (the time of sending), as systemd 253 and later
        /// require; end the reload with ``ready``.
        case reloading
        /// `STOPPING=1`: shutdown has begun.
        case stopping
        /// `WATCHDOG=1`: the service is alive; send at least every half ``SystemdNotifier/watchdogInterval``.
        case watchdog
        /// `STATUS=...`: a one-line status shown by `systemctl status`.
        case status(String)
        /// `EXTEND_TIMEOUT_USEC=...`: ask for more time to start, reload or stop than the unit's
        /// timeout, for example during a first apply of a very large table.
        case extendTimeout(Duration)
    }

    /// The datagram for `states`, one `KEY=value` line each. `monotonicMicroseconds` is the
    /// `CLOCK_MONOTONIC` time written after `RELOADING=1`.
    static func message(for states: [State], monotonicMicroseconds: UInt64) -> String {
        var lines: [String] = []
        for state in states {
            switch state {
            case .ready: lines.append("READY=1")
            case .reloading:
                lines.append("RELOADING=1")
                lines.append("MONOTONIC_USEC=\(monotonicMicroseconds)")
            case .stopping: lines.append("STOPPING=1")
            case .watchdog: lines.append("WATCHDOG=1")
            case .status(let text):
                // A newline would end the assignment and start a new one that systemd parses.
                let oneLine = text.map { $0.isNewline ? " " : String($0) }.joined()
                lines.append("STATUS=\(oneLine)")
            case .extendTimeout(let duration):
                lines.append("EXTEND_TIMEOUT_USEC=\(microseconds(duration))")
            }
        }
        return lines.joined(separator: "\n")
    }

    static func microseconds(_ duration: Duration) -> UInt64 {
        let (seconds, attoseconds) = duration.components
        guard seconds >= 0 else { return 0 }
        return UInt64(seconds) * 1_000_000 + UInt64(attoseconds / 1_000_000_000_000)
    }
}
