import IPVSCore
import Logging
import ServiceLifecycle
import Synchronization

/// Probes every health target on its own schedule and keeps each target's rise/fall verdict.
///
/// One loop does the scheduling: it takes due targets from a due-time queue, runs their probes
/// as child tasks (at most ``maximumConcurrentProbes`` at once) and folds the results back in.
/// Identical targets are probed once, whatever number of services declare them: the caller
/// passes a set.
///
/// The reconciler reads the checker through values: ``view()`` for the current verdicts and
/// ``changes`` to learn when to read again. ``isStalled(after:)`` tells whether the loop has
/// stopped running (a checker that freezes silently leaves dead backends in service,
/// keepalived#2523).
///
/// Run it once, as a `Service` of the agent's `ServiceGroup`: ``run()`` returns on graceful
/// shutdown or cancellation, after cancelling the probes in flight.
public final class HealthChecker: Service, Sendable {
    /// The loop runs at least this often, to record its heartbeat.
    static var heartbeatInterval: Duration { .milliseconds(500) }

    public let maximumConcurrentProbes: Int
    /// How long without a heartbeat makes ``isStalled()`` true.
    public let stallThreshold: Duration
    /// Yields after any verdict changes and after the target set changes; keeps only the
    /// newest signal, so a slow reader sees one. One consumer. Finishes when ``run()`` returns.
    public let changes: AsyncStream<Void>

    private let prober: any Prober
    private let observer: (any HealthCheckObserver)?
    private let logger: Logger
    private let clock = ContinuousClock()
    private let state: Mutex<CheckerState<SystemRandomNumberGenerator>>
    private let changesContinuation: AsyncStream<Void>.Continuation
    /// Wakes the loop when targets are added, so that their first probes need not wait for the
    /// next heartbeat.
    private let wakeUps: AsyncStream<Void>
    private let wakeUpsContinuation: AsyncStream<Void>.Continuation

    /// - Parameters:
    ///   - prober: Runs the probes; the network one by default.
    ///   - observer: Sees every probe result, for metrics.
    ///   - logger: Verdict changes are logged at notice (healthy) and warning (unhealthy).
    ///   - maximumConcurrentProbes: Probes in flight at most; due probes beyond wait their turn.
    ///   - stallThreshold: See ``isStalled()``.
    public init(
        prober: any Prober = NetworkProber(),
        observer: (any HealthCheckObserver)? = nil,
        logger: Logger,
        maximumConcurrentProbes: Int = 64,
        stallThreshold: Duration = .seconds(5)
    ) {
        self.prober = prober
        self.observer = observer
        self.logger = logger
        self.maximumConcurrentProbes = max(1, maximumConcurrentProbes)
        self.stallThreshold = stallThreshold
        state = Mutex(CheckerState(generator: SystemRandomNumberGenerator(), now: clock.now))
        (changes, changesContinuation) = AsyncStream.makeStream(bufferingPolicy: .bufferingNewest(1))
        (wakeUps, wakeUpsContinuation) = AsyncStream.makeStream(bufferingPolicy: .bufferingNewest(1))
    }

    /// Makes `targets` the set to probe from now on. Targets that stay keep their states; new
    /// ones start unknown (healthy when their check says `initiallyHealthy`, or when they are in
    /// `presumedHealthy`: serving already, as after a restart, so that only `fall` failures in a
    /// row take them out) and are probed within a second or one interval, whichever is shorter;
    /// removed ones are forgotten.
    public func setTargets(_ targets: Set<HealthTarget>, presumedHealthy: Set<HealthTarget> = []) {
        let now = clock.now
        let change = state.withLock { $0.setTargets(targets, presumedHealthy: presumedHealthy, now: now) }
        guard !change.isEmpty else { return }
        logger.debug(
            "health targets changed",
            metadata: ["added": "\(change.added)", "removed": "\(change.removed)", "total": "\(targets.count)"]
        )
        if change.added > 0 { wakeUpsContinuation.yield() }
        changesContinuation.yield()
    }

    /// The current verdict of every target; unknown until its first probe (unless it starts
    /// healthy).
    public func view() -> HealthView {
        state.withLock { $0.view }
    }

    /// The verdicts of `targets` only.
    public func view(of targets: Set<HealthTarget>) -> HealthView {
        state.withLock { $0.view(of: targets) }
    }

    /// The targets whose verdict changed since the last call, and when the first changed.
    public func takeVerdictChanges() -> VerdictChanges {
        state.withLock { $0.takeChanges() }
    }

    /// When the loop last ran (or when the checker was made, before ``run()``).
    public var lastHeartbeat: ContinuousClock.Instant {
        state.withLock { $0.heartbeat }
    }

    /// Whether the loop has not run for longer than `threshold`: it is not running or is stuck.
    public func isStalled(after threshold: Duration) -> Bool {
        lastHeartbeat.duration(to: clock.now) > threshold
    }

    /// Whether the loop has not run for longer than ``stallThreshold``.
    public func isStalled() -> Bool {
        isStalled(after: stallThreshold)
    }

    /// Probes until graceful shutdown or cancellation, then cancels the probes in flight and
    /// returns. Call it once.
    public func run() async {
        logger.info("health checker started", metadata: ["maximumConcurrentProbes": "\(maximumConcurrentProbes)"])
        await cancelWhenGracefulShutdown {
            await self.loop()
        }
        changesContinuation.finish()
        logger.info("health checker stopped")
    }

    private enum Event: Sendable {
        case probed(HealthTarget, ProbeResult, launchedAt: ContinuousClock.Instant)
        case timer(ContinuousClock.Instant)
        case wokenUp
        case wakeUpsEnded
    }

    private func loop() async {
        await withTaskGroup(of: Event.self) { group in
            var running = 0
            // The deadline of the newest timer. A timer is only added when it must fire sooner
            // than this one; older timers fire later, harmlessly.
            var armed: ContinuousClock.Instant?
            group.addTask { await self.nextWakeUp() }
            while !Task.isCancelled {
                let now = clock.now
                let capacity = maximumConcurrentProbes - running
                let due = state.withLock { state in
                    state.heartbeat = now
                    return state.takeDue(now: now, limit: capacity)
                }
                for target in due {
                    running += 1
                    group.addTask {
                        let result = await self.prober.probe(target)
                        return .probed(target, result, launchedAt: now)
                    }
                }
                let wake = state.withLock {
                    $0.nextWake(now: now, heartbeat: Self.heartbeatInterval, canLaunch: running < maximumConcurrentProbes)
                }
                if armed.map({ wake < $0 }) ?? true {
                    armed = wake
                    group.addTask {
                        try? await Task.sleep(until: wake, clock: .continuous)
                        return .timer(wake)
                    }
                }
                guard let event = await group.next() else { break }
                switch event {
                case .probed(let target, let result, let launch):
                    running -= 1
                    fold(result, of: target, launchedAt: launch)
                case .timer(let deadline):
                    if deadline == armed { armed = nil }
                case .wokenUp:
                    group.addTask { await self.nextWakeUp() }
                case .wakeUpsEnded:
                    break
                }
            }
            group.cancelAll()
        }
    }

    private func nextWakeUp() async -> Event {
        for await _ in wakeUps {
            return .wokenUp
        }
        return .wakeUpsEnded
    }

    private func fold(_ result: ProbeResult, of target: HealthTarget, launchedAt launch: ContinuousClock.Instant) {
        let now = clock.now
        let completion = state.withLock {
            $0.complete(target, success: result.isSuccess, launchedAt: launch, now: now)
        }
        // Removed while its probe ran: nobody needs this result.
        guard let completion else { return }
        if let failure = result.failure {
            logger.debug("health probe failed", metadata: target.logMetadata.merging(failure.logMetadata) { $1 })
        }
        observer?.probeCompleted(target, result: result, transition: completion.transition)
        guard let transition = completion.transition else { return }
        var metadata = target.logMetadata
        metadata["from"] = "\(transition.from.rawValue)"
        metadata["to"] = "\(transition.to.rawValue)"
        if let failure = result.failure { metadata.merge(failure.logMetadata) { $1 } }
        if transition.to == .unhealthy {
            logger.warning("health check verdict changed", metadata: metadata)
        } else {
            logger.notice("health check verdict changed", metadata: metadata)
        }
        changesContinuation.yield()
    }
}

extension HealthTarget {
    var logMetadata: Logger.Metadata {
        ["address": "\(address)", "port": "\(port)", "kind": "\(check.probe.kind.rawValue)"]
    }
}

extension ProbeFailure {
    var logMetadata: Logger.Metadata {
        ["failure": "\(kind.rawValue)", "reason": "\(message)"]
    }
}
