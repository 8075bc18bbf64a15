import IPVSCore

/// When each target is probed next: a due-time queue that the checker's loop takes due targets
/// from, one entry per target.
///
/// A target taken for probing has no due time until the probe is done and ``reschedule(_:launchedAt:now:)``
/// gives it the next one. Entries are replaced and removed lazily: the heap may hold outdated
/// items, which a sequence number tells apart from the live one.
struct ProbeSchedule<Generator: RandomNumberGenerator> {
    typealias Instant = ContinuousClock.Instant

    /// The longest wait before a new target's first probe: long enough to spread a thousand new
    /// targets out, short enough that a new endpoint is known promptly.
    static var firstProbeSpread: Duration { .seconds(1) }

    private struct Item: Comparable {
        var due: Instant
        var sequence: UInt64
        var target: HealthTarget

        static func < (lhs: Item, rhs: Item) -> Bool {
            (lhs.due, lhs.sequence) < (rhs.due, rhs.sequence)
        }

        static func == (lhs: Item, rhs: Item) -> Bool {
            lhs.due == rhs.due && lhs.sequence == rhs.sequence
        }
    }

    private var heap = MinHeap<Item>()
    private var live: [HealthTarget: (due: Instant, sequence: UInt64)] = [:]
    private var nextSequence: UInt64 = 0
    var generator: Generator

    init(generator: Generator) {
        self.generator = generator
    }

    /// The targets that have a due time.
    var count: Int { live.count }

    /// When `target` is due, if it is scheduled.
    func due(_ target: HealthTarget) -> Instant? {
        live[target]?.due
    }

    /// Schedules a new target's first probe at a random point within
    /// `min(interval, firstProbeSpread)` from `now`.
    @discardableResult
    mutating func add(_ target: HealthTarget, now: Instant) -> Instant {
        let spread = min(target.check.interval, Self.firstProbeSpread)
        let due = now + spread * Double.random(in: 0..<1, using: &generator)
        set(target, due: due)
        return due
    }

    /// Schedules the next probe of `target` one jittered interval after the last one started,
    /// but not before `now`: a probe slower than its interval is followed by the next one at
    /// once, never by a backlog.
    @discardableResult
    mutating func reschedule(_ target: HealthTarget, launchedAt launch: Instant, now: Instant) -> Instant {
        let due = max(launch + Self.jittered(target.check.interval, by: target.check.jitter, using: &generator), now)
        set(target, due: due)
        return due
    }

    mutating func remove(_ target: HealthTarget) {
        live[target] = nil
        if live.isEmpty { heap.removeAll() }
    }

    /// The earliest due time, if any target is scheduled.
    mutating func nextDue() -> Instant? {
        dropOutdated()
        return heap.min?.due
    }

    /// Takes the earliest target due at `now` or before, and forgets its due time.
    mutating func popDue(now: Instant) -> HealthTarget? {
        dropOutdated()
        guard let first = heap.min, first.due <= now else { return nil }
        _ = heap.popMin()
        live[first.target] = nil
        return first.target
    }

    /// `interval` stretched or shrunk at random by up to `fraction` of itself (clamped to 0...1),
    /// and never below a millisecond, so that a target is never probed in a busy loop.
    static func jittered(_ interval: Duration, by fraction: Double, using generator: inout Generator) -> Duration {
        let fraction = fraction.isFinite ? Swift.min(Swift.max(fraction, 0), 1) : 0
        let factor = fraction == 0 ? 1 : 1 + Double.random(in: -fraction...fraction, using: &generator)
        return Swift.max(interval * factor, .milliseconds(1))
    }

    private mutating func set(_ target: HealthTarget, due: Instant) {
        let sequence = nextSequence
        nextSequence += 1
        live[target] = (due, sequence)
        heap.insert(Item(due: due, sequence: sequence, target: target))
    }

    private mutating func dropOutdated() {
        while let first = heap.min, live[first.target]?.sequence != first.sequence {
            _ = heap.popMin()
        }
    }
}
