import IPVSCore

/// The health checker as the reconciler loop sees it: targets in, verdicts out. The real one is
/// `HealthChecker`; tests use a scripted one.
public protocol HealthVerdictSource: Sendable {
    /// The targets to probe from now on; states of targets that stay are kept. New targets in
    /// `presumedHealthy` start healthy instead of unknown.
    func setTargets(_ targets: Set<HealthTarget>, presumedHealthy: Set<HealthTarget>)
    /// The current verdicts.
    func view() -> HealthView
    /// The verdicts of `targets` only: a scoped pass needs a few, not a copy of all.
    func view(of targets: Set<HealthTarget>) -> HealthView
    /// The targets whose verdict changed since the last call, and when the first changed: the
    /// services a pass after a verdict plans. One consumer.
    func takeVerdictChanges() -> VerdictChanges
    /// Yields after verdicts change. One consumer.
    var changes: AsyncStream<Void> { get }
    /// Whether the checker's loop has not run for longer than it should have.
    func isStalled() -> Bool
}

extension HealthVerdictSource {
    public func view(of targets: Set<HealthTarget>) -> HealthView { view().restricted(to: targets) }
}

/// Where service-manager notifications go (systemd's sd_notify); nil when not under one.
public protocol ReadinessNotifier: Sendable {
    func notify(_ event: ReadinessEvent)
    /// How often the watchdog must be fed, when a watchdog is set.
    var watchdogInterval: Duration? { get }
}

public enum ReadinessEvent: Hashable, Sendable {
    case ready(status: String)
    case reloading
    case stopping
    case watchdog
    case status(String)
}

/// The per-service health ports (`healthCheckNodePort`): what each should answer.
public protocol HealthPortPublisher: Sendable {
    func publish(_ ports: [UInt16: HealthPortStatus]) async
}
