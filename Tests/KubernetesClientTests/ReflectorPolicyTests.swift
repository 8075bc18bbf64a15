import Testing

@testable import KubernetesClient

/// Returns the values it was given, in turn, as raw 64-bit words (the standard library takes
/// the low 53 bits for a `Double`): `.low` makes
/// `Double.random(in: 0..<1)` give 0, `.middle` 0.5 and `.high` just under 1.
struct ScriptedRandom: RandomNumberGenerator, Sendable {
    static let low: UInt64 = 0
    static let middle: UInt64 = 1 << 52
    static let high: UInt64 = .max

    var values: [UInt64]
    var index = 0

    init(_ values: UInt64...) {
        self.values = values.isEmpty ? [Self.low] : values
    }

    mutating func next() -> UInt64 {
        defer { index += 1 }
        return values[index % values.count]
    }
}

@Suite struct ReflectorPolicyTests {
    let t0 = ContinuousClock.now

    func policy(_ random: ScriptedRandom = ScriptedRandom()) -> ReflectorPolicy {
        ReflectorPolicy(random: random)
    }

    /// A policy that has listed (one page, version "100") and is watching since `t0`.
    func watching(_ random: ScriptedRandom = ScriptedRandom()) -> ReflectorPolicy {
        var policy = policy(random)
        _ = policy.start()
        _ = policy.listPageReceived(continueToken: nil, resourceVersion: "100")
        policy.watchStarted(now: t0)
        return policy
    }

    @Test func theFirstListAsksForVersionZero() {
        var policy = policy()
        #expect(policy.start() == .list(resourceVersion: "0", continueToken: nil, after: .zero))
    }

    @Test func pagesFollowTheirContinueTokenThenTheWatchStartsAtTheListsVersion() {
        var policy = policy()
        _ = policy.start()
        #expect(
            policy.listPageReceived(continueToken: "page2", resourceVersion: "100")
                == .list(resourceVersion: "0", continueToken: "page2", after: .zero))
        #expect(
            policy.listPageReceived(continueToken: "", resourceVersion: "100")
                == .watch(resourceVersion: "100", timeoutSeconds: 300, after: .zero))
    }

    @Test(arguments: [
        (ScriptedRandom.low, 300), (ScriptedRandom.middle, 450), (ScriptedRandom.high, 599),
    ])
    func theWatchTimeoutLiesBetweenFiveAndTenMinutes(random: UInt64, seconds: Int) {
        var policy = policy(ScriptedRandom(random))
        _ = policy.start()
        #expect(
            policy.listPageReceived(continueToken: nil, resourceVersion: "7")
                == .watch(resourceVersion: "7", timeoutSeconds: seconds, after: .zero))
    }

    @Test func anExpiredContinueTokenRelistsFromScratchAtTheLatestVersion() {
        var policy = policy()
        _ = policy.start()
        _ = policy.listPageReceived(continueToken: "page2", resourceVersion: "100")
        let (reason, action) = policy.listFailed(expired: true, now: t0)
        #expect(reason == .continueExpired)
        #expect(action == .list(resourceVersion: "", continueToken: nil, after: .zero))
    }

    @Test func anExpiredListVersionRelistsAtTheLatestVersion() {
        var policy = policy()
        _ = policy.start()
        let (reason, action) = policy.listFailed(expired: true, now: t0)
        #expect(reason == .listExpired)
        #expect(action == .list(resourceVersion: "", continueToken: nil, after: .zero))
    }

    @Test func anExpiredConsistentListBacksOffInsteadOfLooping() {
        var policy = policy()
        _ = policy.start()
        _ = policy.listFailed(expired: true, now: t0)
        let (reason, action) = policy.listFailed(expired: true, now: t0)
        #expect(reason == .listFailed)
        #expect(action == .list(resourceVersion: "", continueToken: nil, after: .milliseconds(800)))
    }

    @Test func aFailedListIsRetriedFromItsFirstPageAfterABackoff() {
        var policy = policy()
        _ = policy.start()
        _ = policy.listPageReceived(continueToken: "page2", resourceVersion: "100")
        let (reason, action) = policy.listFailed(expired: false, now: t0)
        #expect(reason == .listFailed)
        #expect(action == .list(resourceVersion: "0", continueToken: nil, after: .milliseconds(800)))
    }

    @Test func theWatchResumesFromTheLastEventOrBookmark() {
        var policy = watching()
        let restart = policy.watchEnded(
            .serverClosed, progress: .init(events: 3, lastResourceVersion: "157"),
            now: t0 + .seconds(300))
        #expect(
            restart
                == .init(
                    reason: .timedOut, relist: nil,
                    action: .watch(resourceVersion: "157", timeoutSeconds: 300, after: .zero)))
        #expect(policy.resumeResourceVersion == "157")
    }

    @Test func aWatchEndedEarlyButHealthyResumesAtOnce() {
        var policy = watching()
        let restart = policy.watchEnded(.serverClosed, progress: .init(events: 0), now: t0 + .seconds(40))
        #expect(
            restart
                == .init(
                    reason: .closed, relist: nil,
                    action: .watch(resourceVersion: "100", timeoutSeconds: 300, after: .zero)))
    }

    @Test func aWatchEndingWithinASecondWithNoEventIsAFailure() {
        var policy = watching()
        let restart = policy.watchEnded(.serverClosed, progress: .init(events: 0), now: t0 + .milliseconds(300))
        #expect(
            restart
                == .init(
                    reason: .closedEarly, relist: nil,
                    action: .watch(resourceVersion: "100", timeoutSeconds: 300, after: .milliseconds(800))))
    }

    @Test func aShortWatchWithAnEventIsNotAFailure() {
        var policy = watching()
        let restart = policy.watchEnded(
            .serverClosed, progress: .init(events: 1, lastResourceVersion: "101"),
            now: t0 + .milliseconds(300))
        #expect(restart.reason == .closed)
        #expect(restart.action.delay == .zero)
    }

    @Test(arguments: [true, false])
    func expiryRelistsAtTheLatestVersion(afterEvents: Bool) {
        // The same whether the 410 came as the HTTP status or an ERROR event: the driver says
        // `.expired` for both.
        var policy = watching()
        let progress = ReflectorPolicy.WatchProgress(events: afterEvents ? 2 : 0, lastResourceVersion: afterEvents ? "120" : nil)
        let restart = policy.watchEnded(.expired, progress: progress, now: t0 + .seconds(30))
        #expect(
            restart
                == .init(
                    reason: .expired, relist: .watchExpired,
                    action: .list(resourceVersion: "", continueToken: nil, after: .zero)))
    }

    @Test func anExpiryTheMomentTheWatchBeganRelistsAfterABackoff() {
        var policy = watching()
        let restart = policy.watchEnded(.expired, progress: .init(events: 0), now: t0 + .milliseconds(10))
        #expect(restart.action == .list(resourceVersion: "", continueToken: nil, after: .milliseconds(800)))
    }

    @Test func failuresBackOffDoublingToTheCap() {
        var policy = watching()
        var now = t0
        var delays: [Duration] = []
        for _ in 0..<9 {
            now += .seconds(5)
            policy.watchStarted(now: now)
            delays.append(policy.watchEnded(.failed, progress: .init(), now: now + .seconds(2)).action.delay)
        }
        #expect(
            delays == [
                .milliseconds(800), .milliseconds(1600), .milliseconds(3200), .milliseconds(6400),
                .milliseconds(12800), .milliseconds(25600), .seconds(30), .seconds(30), .seconds(30),
            ])
    }

    @Test func jitterAddsUpToAQuarterOfTheBase() {
        var high = watching(ScriptedRandom(ScriptedRandom.high))
        let highest = high.watchEnded(.failed, progress: .init(), now: t0 + .seconds(2)).action.delay
        #expect(highest >= .milliseconds(999) && highest < .milliseconds(1000))
        var middle = watching(ScriptedRandom(ScriptedRandom.middle))
        #expect(middle.watchEnded(.failed, progress: .init(), now: t0 + .seconds(2)).action.delay == .milliseconds(900))
    }

    @Test func theBackoffResetsAfterTwoMinutesWithoutAFailure() {
        var policy = watching()
        #expect(policy.watchEnded(.failed, progress: .init(), now: t0 + .seconds(1)).action.delay == .milliseconds(800))
        #expect(policy.watchEnded(.failed, progress: .init(), now: t0 + .seconds(3)).action.delay == .milliseconds(1600))
        // 119 s since the last failure: still escalating.
        #expect(policy.watchEnded(.failed, progress: .init(), now: t0 + .seconds(122)).action.delay == .milliseconds(3200))
        // Two healthy minutes: back to the start.
        #expect(policy.watchEnded(.failed, progress: .init(), now: t0 + .seconds(242)).action.delay == .milliseconds(800))
    }

    @Test func listAndWatchFailuresShareOneBackoff() {
        var policy = watching()
        #expect(policy.watchEnded(.failed, progress: .init(), now: t0 + .seconds(1)).action.delay == .milliseconds(800))
        _ = policy.watchEnded(.expired, progress: .init(events: 1), now: t0 + .seconds(5))
        #expect(policy.listFailed(expired: false, now: t0 + .seconds(6)).1.delay == .milliseconds(1600))
    }

    @Test func afterARelistTheWatchStartsFromTheNewListsVersion() {
        var policy = watching()
        _ = policy.watchEnded(.expired, progress: .init(events: 1, lastResourceVersion: "150"), now: t0 + .seconds(5))
        #expect(
            policy.listPageReceived(continueToken: nil, resourceVersion: "900")
                == .watch(resourceVersion: "900", timeoutSeconds: 300, after: .zero))
    }
}
