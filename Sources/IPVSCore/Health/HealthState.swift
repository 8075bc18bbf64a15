/// What the health checker knows of a target.
public enum HealthVerdict: String, Hashable, Sendable, CaseIterable {
    /// Not probed yet: the endpoint does not enter the kernel, and one already there (a
    /// restart) is left as it is.
    case unknown
    case healthy
    /// Failed `fall` probes in a row (or its very first one): removed from the kernel at once.
    case unhealthy
}

/// A change of verdict, as the checker reports it.
public struct HealthTransition: Hashable, Sendable {
    public var from: HealthVerdict
    public var to: HealthVerdict
}

/// The rise/fall state machine of one target.
///
/// - unknown: the first result decides (one success: healthy; one failure: unhealthy), so that a
///   new endpoint serves as soon as it answers and a dead one is known dead at once.
/// - healthy: `fall` consecutive failures make it unhealthy.
/// - unhealthy: `rise` consecutive successes make it healthy.
public struct HealthState: Hashable, Sendable {
    public private(set) var verdict: HealthVerdict
    public private(set) var consecutiveSuccesses = 0
    public private(set) var consecutiveFailures = 0

    public init(initiallyHealthy: Bool = false) {
        verdict = initiallyHealthy ? .healthy : .unknown
    }

    /// Records one probe result; returns the transition when the verdict changes.
    public mutating func record(success: Bool, rise: Int, fall: Int) -> HealthTransition? {
        if success {
            consecutiveSuccesses += 1
            consecutiveFailures = 0
        } else {
            consecutiveFailures += 1
            consecutiveSuccesses = 0
        }
        let next: HealthVerdict
        switch verdict {
        case .unknown: next = success ? .healthy : .unhealthy
        case .healthy: next = consecutiveFailures >= max(fall, 1) ? .unhealthy : .healthy
        case .unhealthy: next = consecutiveSuccesses >= max(rise, 1) ? .healthy : .unhealthy
        }
        guard next != verdict else { return nil }
        defer { verdict = next }
        return HealthTransition(from: verdict, to: next)
    }
}

/// The verdict of every probed target, as the reconciler sees it. A target missing from the view
/// has not been probed yet: unknown. (Endpoints of services without a check have no target.)
public struct HealthView: Hashable, Sendable {
    public var verdicts: [HealthTarget: HealthVerdict]

    public init(verdicts: [HealthTarget: HealthVerdict] = [:]) {
        self.verdicts = verdicts
    }

    public subscript(target: HealthTarget) -> HealthVerdict {
        verdicts[target] ?? .unknown
    }
}
