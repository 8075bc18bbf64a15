import IPVSCore

/// Where the agent's desired state comes from: the config file, or the Kubernetes API (with the
/// file for what Kubernetes has no field for). The reconciler loop asks for the current state at
/// every pass and is told when it may have changed; it never reads a file or a socket itself.
public protocol DesiredStateSource: Sendable {
    /// Watches for changes until the task is cancelled, calling `changed` after each one.
    func run(changed: @escaping @Sendable (DesiredStateChange) -> Void) async
    /// The desired state now; nil until the first complete read (readiness waits for it).
    /// Each call hands over the arrival time of the oldest change since the previous call.
    func current() -> SourceState?
    /// Reads again now (SIGHUP); returns when done. A failed read keeps the last good state.
    func reload() async
}

/// One version of the desired state, as a source hands it to the loop.
public struct SourceState: Sendable {
    public var state: DesiredState
    /// Changes whenever `state` may have: the loop refreshes its health targets then.
    public var generation: UInt64
    /// When the oldest change not handed over before arrived: the change-to-kernel delay
    /// starts there. Nil when nothing changed since the previous call.
    public var changedSince: ContinuousClock.Instant?
    /// What changed since another generation, when the source knows it: the loop then compares
    /// those services alone, not every one.
    public var edit: ServiceEdit?

    public init(state: DesiredState, generation: UInt64, changedSince: ContinuousClock.Instant?, edit: ServiceEdit? = nil) {
        self.state = state
        self.generation = generation
        self.changedSince = changedSince
        self.edit = edit
    }
}

/// A desired state that differs from generation `from` in the specs of `services` alone: the
/// same services in the same order, and everything outside `services` equal.
public struct ServiceEdit: Sendable, Equatable {
    public var from: UInt64
    /// The names of the services whose spec changed.
    public var services: Set<String>

    public init(from: UInt64, services: Set<String>) {
        self.from = from
        self.services = services
    }
}

/// What a source saw change.
public enum DesiredStateChange: Hashable, Sendable {
    /// The config file changed on disk (loaded or refused).
    case configFile
    /// Objects in the Kubernetes API changed, or were listed again.
    case kubernetes
}
