import HealthChecking
import IPVSCore
import Synchronization

/// A prober without I/O: answers from a per-target script and records every probe.
final class ScriptedProber: Prober, Sendable {
    private struct State {
        var scripts: [HealthTarget: [Bool]] = [:]
        var fallback: [HealthTarget: Bool] = [:]
        var probes: [HealthTarget] = []
        var running = 0
        var mostRunning = 0
        var runningPerTarget: [HealthTarget: Int] = [:]
        var mostRunningPerTarget = 0
    }

    private let state = Mutex(State())
    /// While closed, probes wait before answering, so that tests can hold probes in flight.
    private let gateOpen: Mutex<Bool>
    private let defaultAnswer: Bool

    init(defaultAnswer: Bool = true, gated: Bool = false) {
        self.defaultAnswer = defaultAnswer
        gateOpen = Mutex(!gated)
    }

    /// Lets the waiting probes, and all later ones, answer.
    func openGate() {
        gateOpen.withLock { $0 = true }
    }

    var running: Int { state.withLock { $0.running } }

    /// The next answers for `target`, in order; then `thereafter` (the default answer when nil).
    func script(_ target: HealthTarget, _ answers: [Bool], thereafter: Bool? = nil) {
        state.withLock {
            $0.scripts[target] = answers
            $0.fallback[target] = thereafter
        }
    }

    /// From now on `target` always answers `answer`.
    func answer(_ target: HealthTarget, always answer: Bool) {
        script(target, [], thereafter: answer)
    }

    var probes: [HealthTarget] { state.withLock { $0.probes } }
    var mostRunning: Int { state.withLock { $0.mostRunning } }
    var mostRunningPerTarget: Int { state.withLock { $0.mostRunningPerTarget } }

    func count(_ target: HealthTarget) -> Int {
        state.withLock { $0.probes.count { $0 == target } }
    }

    func probe(_ target: HealthTarget) async -> ProbeResult {
        let success = state.withLock { state in
            state.probes.append(target)
            state.running += 1
            state.mostRunning = max(state.mostRunning, state.running)
            state.runningPerTarget[target, default: 0] += 1
            state.mostRunningPerTarget = max(state.mostRunningPerTarget, state.runningPerTarget[target]!)
            if var script = state.scripts[target], !script.isEmpty {
                let next = script.removeFirst()
                state.scripts[target] = script
                return next
            }
            return state.fallback[target] ?? defaultAnswer
        }
        while !gateOpen.withLock({ $0 }), !Task.isCancelled {
            try? await Task.sleep(for: .milliseconds(1))
        }
        state.withLock { state in
            state.running -= 1
            state.runningPerTarget[target, default: 0] -= 1
        }
        return success
            ? .success(duration: .milliseconds(1))
            : .failure(ProbeFailure(.connectionRefused, "scripted failure"), duration: .milliseconds(1))
    }
}

/// A prober whose probes never answer: they end only when cancelled.
final class HangingProber: Prober {
    let started = Mutex(0)
    let cancelled = Mutex(0)

    func probe(_ target: HealthTarget) async -> ProbeResult {
        started.withLock { $0 += 1 }
        while !Task.isCancelled {
            try? await Task.sleep(for: .seconds(3600))
        }
        cancelled.withLock { $0 += 1 }
        return .failure(ProbeFailure(.error, "cancelled"), duration: .zero)
    }
}

/// Records what the checker reports to its observer.
final class RecordingObserver: HealthCheckObserver {
    private let recorded = Mutex<[(HealthTarget, ProbeResult, HealthTransition?)]>([])

    func probeCompleted(_ target: HealthTarget, result: ProbeResult, transition: HealthTransition?) {
        recorded.withLock { $0.append((target, result, transition)) }
    }

    var transitions: [HealthTransition] {
        recorded.withLock { $0.compactMap(\.2) }
    }

    var results: Int {
        recorded.withLock { $0.count }
    }
}

/// Reads a checker's `changes` in a task of its own, so that tests can wait for signals without
/// hanging when one never comes.
final class ChangeCounter: Sendable {
    private let state = Mutex((count: 0, finished: false))

    init(_ changes: AsyncStream<Void>) {
        Task { [self] in
            for await _ in changes {
                state.withLock { $0.count += 1 }
            }
            state.withLock { $0.finished = true }
        }
    }

    var count: Int { state.withLock { $0.count } }
    var finished: Bool { state.withLock { $0.finished } }
}
