import HealthChecking
import IPVSCore
import ServiceLifecycle
import ServiceLifecycleTestKit
import Synchronization
import Testing

@Suite("HealthChecker with a scripted prober")
struct HealthCheckerTests {
    /// Runs `checker` in a child task while `body` runs, then cancels it and waits for it.
    func whileRunning(_ checker: HealthChecker, _ body: () async throws -> Void) async rethrows {
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { await checker.run() }
            defer { group.cancelAll() }
            try await body()
        }
    }

    @Test("rise and fall transitions reach view() and the observer")
    func riseAndFall() async {
        let prober = ScriptedProber()
        let observer = RecordingObserver()
        let checker = HealthChecker(prober: prober, observer: observer, logger: quietLogger)
        let a = makeTarget(1, check: quickCheck(rise: 2, fall: 3))
        prober.script(a, [true], thereafter: true)
        checker.setTargets([a])
        #expect(checker.view()[a] == .unknown)
        await whileRunning(checker) {
            #expect(await eventually { checker.view()[a] == .healthy })
            // Two failures are not enough (fall 3)...
            prober.script(a, [false, false], thereafter: true)
            #expect(await eventually { prober.count(a) >= 6 })
            #expect(checker.view()[a] == .healthy)
            // ...three are.
            prober.answer(a, always: false)
            #expect(await eventually { checker.view()[a] == .unhealthy })
            prober.answer(a, always: true)
            #expect(await eventually { checker.view()[a] == .healthy })
        }
        #expect(
            observer.transitions.map { [$0.from, $0.to] } == [[.unknown, .healthy], [.healthy, .unhealthy], [.unhealthy, .healthy]])
        #expect(observer.results >= 6)
    }

    @Test("changes yields after a target-set change and after a verdict transition")
    func changesAfterTransition() async {
        let prober = ScriptedProber(defaultAnswer: false)
        let checker = HealthChecker(prober: prober, logger: quietLogger)
        let a = makeTarget(1, check: quickCheck(interval: .seconds(3600)))
        let changes = ChangeCounter(checker.changes)
        checker.setTargets([a])
        #expect(await eventually { changes.count == 1 })
        checker.setTargets([a])  // no change, no signal
        await whileRunning(checker) {
            #expect(await eventually { changes.count == 2 })
            #expect(checker.view()[a] == .unhealthy)
        }
        #expect(prober.count(a) == 1)
        #expect(changes.count == 2)
    }

    @Test("one probe per distinct target, though several services declared it")
    func dedup() async {
        let prober = ScriptedProber()
        let checker = HealthChecker(prober: prober, logger: quietLogger)
        // One probe each, then nothing for an hour.
        let check = quickCheck(interval: .seconds(3600))
        let declaredByServices = [
            [makeTarget(1, check: check), makeTarget(2, check: check)],  // default/web
            [makeTarget(1, check: check)],  // default/web-internal
            [makeTarget(1, check: check), makeTarget(2, check: check)],  // default/web-canary
        ]
        checker.setTargets(Set(declaredByServices.joined()))
        await whileRunning(checker) {
            #expect(await eventually { checker.view().verdicts.values.allSatisfy { $0 == .healthy } })
        }
        #expect(prober.probes.count == 2)
        #expect(prober.count(makeTarget(1, check: check)) == 1)
        #expect(prober.count(makeTarget(2, check: check)) == 1)
    }

    @Test("setTargets keeps the states of targets that stay")
    func setTargetsKeepsStates() async {
        let prober = ScriptedProber()
        let checker = HealthChecker(prober: prober, logger: quietLogger)
        let a = makeTarget(1, check: quickCheck(interval: .seconds(3600)))
        let b = makeTarget(2, check: quickCheck(interval: .seconds(3600)))
        prober.answer(b, always: false)
        checker.setTargets([a])
        await whileRunning(checker) {
            #expect(await eventually { checker.view()[a] == .healthy })
            checker.setTargets([a, b])
            #expect(checker.view().verdicts == [a: .healthy, b: .unknown])
            #expect(await eventually { checker.view()[b] == .unhealthy })
        }
        #expect(prober.count(a) == 1)
    }

    @Test("a removed target leaves the view and is probed no more")
    func removalStopsProbing() async {
        let prober = ScriptedProber()
        let checker = HealthChecker(prober: prober, logger: quietLogger)
        let gone = makeTarget(1, check: quickCheck())
        let stays = makeTarget(2, check: quickCheck())
        checker.setTargets([gone, stays])
        await whileRunning(checker) {
            #expect(await eventually { prober.count(gone) >= 3 })
            checker.setTargets([stays])
            #expect(checker.view().verdicts.keys.sorted() == [stays])
            let goneProbes = prober.count(gone)
            // Ten more probes of its neighbour, at the same interval: time enough for ten of its
            // own, had it stayed. At most the one in flight at removal may still have started.
            let staysProbes = prober.count(stays)
            #expect(await eventually { prober.count(stays) >= staysProbes + 10 })
            #expect(prober.count(gone) <= goneProbes + 1)
        }
    }

    @Test("no more than maximumConcurrentProbes run at once, and every target gets its turn")
    func concurrencyLimit() async throws {
        let prober = ScriptedProber(gated: true)
        let checker = HealthChecker(prober: prober, logger: quietLogger, maximumConcurrentProbes: 2)
        let targets = Set((1...6).map { makeTarget(UInt8($0), check: quickCheck(interval: .seconds(3600))) })
        checker.setTargets(targets)
        try await whileRunning(checker) {
            #expect(await eventually { prober.running == 2 })
            // Every first probe is due within a second; past that, the other four are due and
            // must still wait for the two held in flight.
            try await Task.sleep(for: .milliseconds(1100))
            #expect(prober.running == 2)
            #expect(prober.probes.count == 2)
            prober.openGate()
            #expect(await eventually { Set(prober.probes) == targets })
        }
        #expect(prober.mostRunning == 2)
        #expect(prober.mostRunningPerTarget == 1)
    }

    @Test("the heartbeat advances while the loop runs; a checker not running is stalled")
    func heartbeat() async throws {
        let checker = HealthChecker(prober: ScriptedProber(), logger: quietLogger)
        let before = checker.lastHeartbeat
        try await Task.sleep(for: .milliseconds(20))
        #expect(checker.isStalled(after: .milliseconds(10)))
        await whileRunning(checker) {
            #expect(await eventually { checker.lastHeartbeat > before })
            #expect(!checker.isStalled(after: .seconds(60)))
        }
    }

    @Test("graceful shutdown makes run() return, cancelling the probes in flight")
    func gracefulShutdown() async throws {
        let prober = HangingProber()
        let checker = HealthChecker(prober: prober, logger: quietLogger)
        let changes = ChangeCounter(checker.changes)
        checker.setTargets([makeTarget(1, check: quickCheck()), makeTarget(2, check: quickCheck())])
        await testGracefulShutdown { trigger in
            await withTaskGroup(of: Void.self) { group in
                group.addTask { await checker.run() }
                #expect(await eventually { prober.started.withLock { $0 } == 2 })
                trigger.triggerGracefulShutdown()
                await group.waitForAll()
            }
        }
        #expect(prober.cancelled.withLock { $0 } == 2)
        // The consumer of changes learns that the checker is gone.
        #expect(await eventually { changes.finished })
    }

    @Test("run() returns when its task is cancelled")
    func cancellation() async {
        let prober = HangingProber()
        let checker = HealthChecker(prober: prober, logger: quietLogger)
        checker.setTargets([makeTarget(1, check: quickCheck())])
        let run = Task { await checker.run() }
        #expect(await eventually { prober.started.withLock { $0 } == 1 })
        run.cancel()
        await run.value
        #expect(prober.cancelled.withLock { $0 } == 1)
    }

    @Test("it runs in a ServiceGroup and stops with it")
    func serviceGroup() async throws {
        let prober = ScriptedProber()
        let checker = HealthChecker(prober: prober, logger: quietLogger)
        let a = makeTarget(1, check: quickCheck())
        checker.setTargets([a])
        let group = ServiceGroup(services: [checker], logger: quietLogger)
        try await withThrowingTaskGroup(of: Void.self) { tasks in
            tasks.addTask { try await group.run() }
            #expect(await eventually { checker.view()[a] == .healthy })
            await group.triggerGracefulShutdown()
            try await tasks.waitForAll()
        }
    }
}
