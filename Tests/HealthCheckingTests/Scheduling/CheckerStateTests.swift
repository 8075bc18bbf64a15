import IPVSCore
import Testing

@testable import HealthChecking

@Suite("CheckerState: targets, states and probes in flight")
struct CheckerStateTests {
    let t0 = ContinuousClock.now
    let check = HealthCheck(interval: .seconds(1), jitter: 0, rise: 2, fall: 2)

    func makeState() -> CheckerState<SeededGenerator> {
        CheckerState(generator: SeededGenerator(seed: 1), now: t0)
    }

    @Test("setTargets keeps the states of targets that stay and forgets removed ones")
    func keepsStates() {
        var state = makeState()
        let a = makeTarget(1, check: check)
        let b = makeTarget(2, check: check)
        let c = makeTarget(3, check: check)
        #expect(state.setTargets([a, b], now: t0) == .init(added: 2, removed: 0))
        let due = state.takeDue(now: t0 + .seconds(1), limit: 10)
        #expect(Set(due) == [a, b])
        #expect(state.complete(a, success: true, launchedAt: t0, now: t0) != nil)
        #expect(state.complete(b, success: false, launchedAt: t0, now: t0) != nil)
        #expect(state.view[a] == .healthy)
        #expect(state.view[b] == .unhealthy)

        #expect(state.setTargets([a, c], now: t0) == .init(added: 1, removed: 1))
        #expect(state.view[a] == .healthy)
        #expect(state.view.verdicts[b] == nil)
        #expect(state.view.verdicts[c] == .unknown)
        #expect(state.setTargets([a, c], now: t0).isEmpty)
    }

    @Test("verdict changes are handed over once, with the instant of the first; view(of:) holds only the targets asked for")
    func verdictChangesAreTakenOnce() {
        var state = makeState()
        let a = makeTarget(1, check: check)
        let b = makeTarget(2, check: check)
        _ = state.setTargets([a, b], now: t0)
        #expect(state.takeChanges().isEmpty, "a new target is no verdict change")
        _ = state.takeDue(now: t0 + .seconds(1), limit: 10)
        _ = state.complete(a, success: true, launchedAt: t0, now: t0 + .seconds(2))
        _ = state.complete(b, success: false, launchedAt: t0, now: t0 + .seconds(3))
        let changes = state.takeChanges()
        #expect(changes.targets == [a, b])
        #expect(changes.since == t0 + .seconds(2))
        #expect(state.takeChanges().isEmpty)
        // One more success of a healthy target changes nothing.
        _ = state.takeDue(now: t0 + .seconds(10), limit: 10)
        _ = state.complete(a, success: true, launchedAt: t0, now: t0 + .seconds(10))
        #expect(state.takeChanges().isEmpty)
        #expect(state.view(of: [b]).verdicts == [b: .unhealthy])
    }

    @Test("a presumed-healthy target (serving already, after a restart) starts healthy and needs fall failures to leave")
    func presumedHealthy() {
        var state = makeState()
        let serving = makeTarget(1, check: check)
        let fresh = makeTarget(2, check: check)
        _ = state.setTargets([serving, fresh], presumedHealthy: [serving], now: t0)
        #expect(state.view[serving] == .healthy)
        #expect(state.view[fresh] == .unknown)
        _ = state.takeDue(now: t0 + .seconds(1), limit: 10)
        #expect(state.complete(serving, success: false, launchedAt: t0, now: t0)?.transition == nil, "one failure is not fall 2")
        #expect(state.view[serving] == .healthy)
    }

    @Test("a new target starts healthy when its check says so")
    func initiallyHealthy() {
        var state = makeState()
        var healthyCheck = check
        healthyCheck.initiallyHealthy = true
        let a = makeTarget(1, check: healthyCheck)
        let b = makeTarget(2, check: check)
        _ = state.setTargets([a, b], now: t0)
        #expect(state.view.verdicts == [a: .healthy, b: .unknown])
    }

    @Test("one probe per distinct target, however many services declared it")
    func dedup() {
        var state = makeState()
        // Three services declare the same endpoint with the same check; a fourth with another.
        let declared = [makeTarget(1, check: check), makeTarget(1, check: check), makeTarget(1, check: check), makeTarget(2, check: check)]
        _ = state.setTargets(Set(declared), now: t0)
        let due = state.takeDue(now: t0 + .seconds(5), limit: 100)
        #expect(due.count == 2)
        #expect(Set(due) == [makeTarget(1, check: check), makeTarget(2, check: check)])
    }

    @Test("the same address and port with another check is another target")
    func differentChecksAreDifferentTargets() {
        var state = makeState()
        var other = check
        other.probe = .http(.init(path: "/healthz"))
        _ = state.setTargets([makeTarget(1, check: check), makeTarget(1, check: other)], now: t0)
        #expect(state.takeDue(now: t0 + .seconds(5), limit: 100).count == 2)
    }

    @Test("takeDue respects the limit and leaves the rest due")
    func limit() {
        var state = makeState()
        _ = state.setTargets(Set((1...10).map { makeTarget(UInt8($0), check: check) }), now: t0)
        let later = t0 + .seconds(5)
        #expect(state.takeDue(now: later, limit: 4).count == 4)
        #expect(state.inFlight.count == 4)
        #expect(state.takeDue(now: later, limit: 100).count == 6)
        #expect(state.takeDue(now: later, limit: 100).isEmpty)
    }

    @Test("a result for a removed target is dropped, and the target is not rescheduled")
    func resultAfterRemoval() {
        var state = makeState()
        let a = makeTarget(1, check: check)
        _ = state.setTargets([a], now: t0)
        #expect(state.takeDue(now: t0 + .seconds(1), limit: 1) == [a])
        _ = state.setTargets([], now: t0)
        #expect(state.complete(a, success: true, launchedAt: t0, now: t0) == nil)
        #expect(state.inFlight.isEmpty)
        #expect(state.schedule.count == 0)
        #expect(state.view.verdicts.isEmpty)
    }

    @Test("a target removed and added back while its probe runs is not probed twice at once")
    func noDoubleProbe() {
        var state = makeState()
        let a = makeTarget(1, check: check)
        _ = state.setTargets([a], now: t0)
        #expect(state.takeDue(now: t0 + .seconds(1), limit: 10) == [a])
        _ = state.setTargets([], now: t0 + .seconds(1))
        _ = state.setTargets([a], now: t0 + .seconds(1))
        #expect(state.takeDue(now: t0 + .seconds(10), limit: 10).isEmpty)
        let completion = state.complete(a, success: true, launchedAt: t0 + .seconds(1), now: t0 + .seconds(1))
        #expect(completion?.transition.verdicts == [.unknown, .healthy])
        #expect(state.schedule.due(a) == t0 + .seconds(2))
    }

    @Test("the loop wakes at the next due time, or after the heartbeat at the latest")
    func nextWake() {
        var state = makeState()
        let heartbeat = Duration.milliseconds(500)
        #expect(state.nextWake(now: t0, heartbeat: heartbeat, canLaunch: true) == t0 + heartbeat)
        let a = makeTarget(1, check: HealthCheck(interval: .milliseconds(100), jitter: 0))
        _ = state.setTargets([a], now: t0)
        let due = state.schedule.due(a)!
        #expect(state.nextWake(now: t0, heartbeat: heartbeat, canLaunch: true) == due)
        #expect(state.nextWake(now: t0, heartbeat: heartbeat, canLaunch: false) == t0 + heartbeat)
    }
}
