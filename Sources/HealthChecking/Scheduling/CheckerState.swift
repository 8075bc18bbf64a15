import IPVSCore

/// Everything the checker knows, behind its one lock: the targets with their rise/fall states,
/// when each is probed next, which probes are running, and when the loop last ran.
///
/// Pure bookkeeping, no I/O and no clock of its own, so that the scheduling rules are tested with
/// instants chosen by the test.
struct CheckerState<Generator: RandomNumberGenerator> {
    typealias Instant = ContinuousClock.Instant

    private(set) var states: [HealthTarget: HealthState] = [:]
    private(set) var schedule: ProbeSchedule<Generator>
    /// Targets with a probe running. A target removed and added again while its probe runs is
    /// not probed twice at once: it waits for that probe.
    private(set) var inFlight: Set<HealthTarget> = []
    /// Verdict changes the reconciler has not taken yet.
    private(set) var untakenChanges = VerdictChanges()
    var heartbeat: Instant

    init(generator: Generator, now: Instant) {
        schedule = ProbeSchedule(generator: generator)
        heartbeat = now
    }

    /// What changed in the target set.
    struct TargetChange: Equatable {
        var added = 0
        var removed = 0
        var isEmpty: Bool { added == 0 && removed == 0 }
    }

    /// Makes `targets` the set to probe: states of targets that stay are kept, new ones start
    /// unknown (or healthy, when their check says so or they are `presumedHealthy`) with a first
    /// probe soon, removed ones are forgotten.
    mutating func setTargets(_ targets: Set<HealthTarget>, presumedHealthy: Set<HealthTarget> = [], now: Instant) -> TargetChange {
        var change = TargetChange()
        for target in states.keys where !targets.contains(target) {
            states[target] = nil
            schedule.remove(target)
            change.removed += 1
        }
        for target in targets where states[target] == nil {
            states[target] = HealthState(initiallyHealthy: target.check.initiallyHealthy || presumedHealthy.contains(target))
            if !inFlight.contains(target) { schedule.add(target, now: now) }
            change.added += 1
        }
        return change
    }

    /// Takes up to `limit` targets that are due at `now`, and marks them running.
    mutating func takeDue(now: Instant, limit: Int) -> [HealthTarget] {
        var due: [HealthTarget] = []
        while due.count < limit, let target = schedule.popDue(now: now) {
            inFlight.insert(target)
            due.append(target)
        }
        return due
    }

    /// Folds a finished probe into its target's state and schedules the next one. Returns nil
    /// when the target was removed meanwhile (the result is dropped), else the transition, if any.
    mutating func complete(_ target: HealthTarget, success: Bool, launchedAt launch: Instant, now: Instant) -> Completion? {
        inFlight.remove(target)
        guard var state = states[target] else { return nil }
        let transition = state.record(success: success, rise: target.check.rise, fall: target.check.fall)
        states[target] = state
        schedule.reschedule(target, launchedAt: launch, now: now)
        if transition != nil { untakenChanges.record(target, at: now) }
        return Completion(transition: transition)
    }

    struct Completion {
        var transition: HealthTransition?
    }

    /// When the loop must run next: at the earliest due time if a probe could start then, and
    /// after `heartbeat` at the latest.
    mutating func nextWake(now: Instant, heartbeat interval: Duration, canLaunch: Bool) -> Instant {
        let latest = now + interval
        guard canLaunch, let due = schedule.nextDue() else { return latest }
        return min(due, latest)
    }

    var view: HealthView {
        HealthView(verdicts: states.mapValues(\.verdict))
    }

    /// The verdicts of `targets` only (a scoped pass's), without copying every state.
    func view(of targets: some Sequence<HealthTarget>) -> HealthView {
        var verdicts: [HealthTarget: HealthVerdict] = [:]
        for target in targets { verdicts[target] = states[target]?.verdict }
        return HealthView(verdicts: verdicts)
    }

    /// The verdict changes since the last call.
    mutating func takeChanges() -> VerdictChanges {
        defer { untakenChanges = VerdictChanges() }
        return untakenChanges
    }
}
