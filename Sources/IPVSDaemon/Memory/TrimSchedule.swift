/// When a heap trim asked for at a rate limit runs: at once when none ran within the interval,
/// otherwise when the interval is over (one put off at most). A request is never dropped: what
/// the last of a burst of scrapes freed is given back after the burst, not left resident until
/// the next pass (in the lab, a scrape just after a full pass's trim left 30 MB of the main arena
/// resident through the idle time after it).
struct TrimSchedule: Sendable {
    private(set) var last: ContinuousClock.Instant?
    /// Whether a trim is put off to the end of the interval.
    private(set) var isDeferred = false

    enum Decision: Equatable {
        case now
        /// Run one after this long.
        case after(Duration)
        /// One is put off already; it will give back what this request would.
        case alreadyDeferred
    }

    /// A trim asked for at `now`, at most one per `interval`.
    mutating func request(at now: ContinuousClock.Instant, interval: Duration) -> Decision {
        guard let last, now - last < interval else {
            last = now
            return .now
        }
        guard !isDeferred else { return .alreadyDeferred }
        isDeferred = true
        return .after(interval - (now - last))
    }

    /// A trim ran at `now`: one asked for without a limit (a pass's), or the one put off.
    mutating func trimmed(at now: ContinuousClock.Instant, deferred: Bool = false) {
        last = now
        if deferred { isDeferred = false }
    }
}
