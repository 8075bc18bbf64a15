/// Exponential backoff with jitter and a reset, as client-go's reflector uses: the base wait
/// starts at `initial`, doubles on every failure up to `maximum`, and goes back to `initial`
/// once `resetAfter` has passed without a failure. Each wait is the base plus up to `jitter`
/// times the base, so that a fleet of nodes does not come back at the same instant.
public struct Backoff: Sendable, Hashable {
    public var initial: Duration
    public var maximum: Duration
    public var resetAfter: Duration
    /// 0.25: a wait lies in [base, 1.25 × base). client-go uses 1.0.
    public var jitter: Double

    private var base: Duration
    private var lastFailure: ContinuousClock.Instant?

    public init(
        initial: Duration = .milliseconds(800), maximum: Duration = .seconds(30),
        resetAfter: Duration = .seconds(120), jitter: Double = 0.25
    ) {
        precondition(initial > .zero && maximum >= initial && jitter >= 0, "invalid backoff")
        self.initial = initial
        self.maximum = maximum
        self.resetAfter = resetAfter
        self.jitter = jitter
        self.base = initial
    }

    /// The wait after a failure at `now`; `random` is uniform in [0, 1).
    public mutating func nextDelay(now: ContinuousClock.Instant, random: Double) -> Duration {
        if let lastFailure, lastFailure.duration(to: now) >= resetAfter { base = initial }
        lastFailure = now
        let delay = base + base * (jitter * random)
        base = min(base * 2, maximum)
        return delay
    }
}
