import Synchronization

/// What `/healthz`, `/readyz` and the watchdog ask about the agent's loops.
public final class AgentStatus: Sendable {
    struct State {
        var firstReconcileDone = false
        var lastLoopActivity: ContinuousClock.Instant
        var checkerStalled = false
        var loopRunning = false
    }

    private let state: Mutex<State>
    /// How long the reconciler loop may go without finishing a pass before it counts as stuck.
    public let loopStallBound: Duration

    public init(loopStallBound: Duration) {
        self.loopStallBound = loopStallBound
        state = Mutex(State(lastLoopActivity: .now))
    }

    func loopStarted() {
        state.withLock {
            $0.loopRunning = true; $0.lastLoopActivity = .now
        }
    }
    func loopStopped() { state.withLock { $0.loopRunning = false } }
    func loopActive() { state.withLock { $0.lastLoopActivity = .now } }
    func reconciled() {
        state.withLock {
            $0.firstReconcileDone = true; $0.lastLoopActivity = .now
        }
    }
    func checker(stalled: Bool) { state.withLock { $0.checkerStalled = stalled } }

    /// Ready once the first reconcile has run (`/readyz`; systemd's READY=1).
    public var isReady: Bool { state.withLock { $0.firstReconcileDone } }

    /// Why the agent is not healthy, or nil when it is (`/healthz`; the watchdog is fed only then).
    public func problem(now: ContinuousClock.Instant = .now) -> String? {
        state.withLock { state in
            if !state.loopRunning { return "the reconciler loop is not running" }
            if now - state.lastLoopActivity > loopStallBound { return "the reconciler loop is stuck" }
            if state.checkerStalled { return "the health checker's loop is stalled" }
            return nil
        }
    }
}
