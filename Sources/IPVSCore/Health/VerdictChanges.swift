/// The targets whose verdict changed since the reconciler last asked, and when the first of them
/// changed: a pass after a verdict plans only the services of these targets, and measures the
/// time from the verdict to the kernel write.
public struct VerdictChanges: Hashable, Sendable {
    public var targets: Set<HealthTarget>
    /// When the earliest of these changes happened; nil when there is none.
    public var since: ContinuousClock.Instant?

    public init(targets: Set<HealthTarget> = [], since: ContinuousClock.Instant? = nil) {
        self.targets = targets
        self.since = since
    }

    public var isEmpty: Bool { targets.isEmpty }

    /// Adds one change made at `instant`.
    public mutating func record(_ target: HealthTarget, at instant: ContinuousClock.Instant) {
        targets.insert(target)
        since = min(since ?? instant, instant)
    }
}

extension HealthView {
    /// The verdicts of `targets` only: what a scoped pass needs, without copying every verdict.
    public func restricted(to targets: some Sequence<HealthTarget>) -> HealthView {
        var verdicts: [HealthTarget: HealthVerdict] = [:]
        for target in targets { verdicts[target] = self.verdicts[target] }
        return HealthView(verdicts: verdicts)
    }
}
