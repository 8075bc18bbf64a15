import KubernetesAPI
import Synchronization
import Testing

@testable import KubernetesClient

/// The reflector against the scripted server, end to end: real HTTP, real timing, short
/// backoffs. Every wait is bounded.
@Suite struct ReflectorTests {
    struct Run {
        var updates: [String]
        var observed: [String]
        var requests: [RecordedRequest]
    }

    /// Runs a reflector of `TestPod`s (pages of 2) against `script` until `done` holds for the
    /// updates and requests so far (or 5 s pass), then cancels it and checks that it stops.
    func run(
        script: @escaping ScriptedAPIServer.Script,
        configure: (inout Reflector<TestPod>.Configuration) -> Void = { _ in },
        until done: @escaping @Sendable (_ updates: [String], _ requests: [RecordedRequest]) -> Bool
    ) async throws -> Run {
        let server = try await ScriptedAPIServer.start(script: script)
        let client = try makeClient(for: server)
        var configuration = Reflector<TestPod>.Configuration()
        configuration.pageSize = 2
        configuration.policy.backoff = Backoff(initial: .milliseconds(50), maximum: .milliseconds(200))
        configuration.watchDeadlineMargin = .seconds(10)
        configure(&configuration)
        let observer = RecordingObserver()
        let reflector = Reflector(
            TestPod.self, client: client, configuration: configuration, observer: observer,
            logger: testLogger)

        let (stream, sink) = AsyncStream.makeStream(of: ReflectorUpdate<TestPod>.self)
        // The lowest random draw: every watch asks for exactly the minimum timeout.
        let policy = ReflectorPolicy(configuration: configuration.policy, random: ScriptedRandom(ScriptedRandom.low))
        let running = Task { await reflector.run(policy: policy, sink: sink) }
        let updates = Mutex<[String]>([])
        let streamEnded = Mutex(false)
        let consumer = Task {
            for await update in stream { updates.withLock { $0.append(describe(update)) } }
            streamEnded.withLock { $0 = true }
        }
        // Generous: the unit tests share two cores, and a condition met returns at once.
        let finished = await eventually(within: .seconds(20)) { done(updates.withLock { $0 }, server.requests) }
        running.cancel()
        // Cancellation stops it promptly: the stream ends, even with a watch held open.
        let stopped = await eventually(within: .seconds(2)) { streamEnded.withLock { $0 } }
        if !stopped { consumer.cancel() }
        await consumer.value
        try await client.shutdown()
        await server.stop()
        // Required: the callers index what a finished run has.
        try #require(finished, "condition not met; updates: \(updates.withLock { $0 }), requests: \(server.requests.map(\.query))")
        #expect(stopped)
        return Run(updates: updates.withLock { $0 }, observed: observer.calls, requests: server.requests)
    }

    @Test func pagedListThenWatchResumingFromBookmarksAndEvents() async throws {
        let result = try await run(
            script: { request, index in
                switch index {
                case 0:
                    .json(
                        status: 200,
                        body: APIJSON.list(
                            [APIJSON.pod("a", resourceVersion: "1"), APIJSON.pod("b", resourceVersion: "2")],
                            resourceVersion: "100", continue: "c1"))
                case 1: .json(status: 200, body: APIJSON.list([APIJSON.pod("c", resourceVersion: "3")], resourceVersion: "100"))
                case 2: .lines([APIJSON.event("ADDED", APIJSON.pod("d", resourceVersion: "101")), APIJSON.bookmark("150")])
                case 3:
                    .lines([
                        APIJSON.event("MODIFIED", APIJSON.pod("a", resourceVersion: "151", weight: 2)),
                        APIJSON.event("DELETED", APIJSON.pod("b", resourceVersion: "152")),
                    ])
                default: .lines([], ending: .hold)
                }
            }, until: { _, requests in requests.count >= 5 })

        #expect(result.updates == ["replaced [a,b,c] @100", "added d@101", "modified a@151", "deleted b@152"])
        let queries = result.requests.map(\.query)
        #expect(queries[0] == ["limit": "2", "resourceVersion": "0"])
        #expect(queries[1] == ["limit": "2", "continue": "c1"])
        #expect(queries[2]["resourceVersion"] == "100")
        #expect(queries[2]["watch"] == "1" && queries[2]["allowWatchBookmarks"] == "true")
        #expect(queries[2]["timeoutSeconds"] == "300")
        #expect(queries[3]["resourceVersion"] == "150")
        #expect(queries[4]["resourceVersion"] == "152")
        #expect(
            result.observed.prefix(6) == [
                "synced", "event added", "event bookmark", "watchRestarted closed",
                "event modified", "event deleted",
            ])
    }

    @Test func a410AnswerToTheWatchRelistsAtTheLatestVersion() async throws {
        let result = try await run(
            script: { request, index in
                switch index {
                case 0: .json(status: 200, body: APIJSON.list([APIJSON.pod("a", resourceVersion: "1")], resourceVersion: "10"))
                case 1: .json(status: 410, body: APIJSON.status(410, reason: "Expired", message: "too old resource version: 10"))
                case 2: .json(status: 200, body: APIJSON.list([APIJSON.pod("b", resourceVersion: "15")], resourceVersion: "20"))
                default: .lines([], ending: .hold)
                }
            }, until: { updates, requests in requests.count >= 4 })
        #expect(result.updates == ["replaced [a] @10", "replaced [b] @20"])
        #expect(result.requests[2].query == ["limit": "2"])  // resourceVersion "": not sent
        #expect(result.requests[3].query["resourceVersion"] == "20")
        #expect(result.observed == ["synced", "watchRestarted expired", "relisted watchExpired", "synced"])
    }

    @Test func a410ErrorEventInTheStreamRelists() async throws {
        let result = try await run(
            script: { request, index in
                switch index {
                case 0: .json(status: 200, body: APIJSON.list([APIJSON.pod("a", resourceVersion: "1")], resourceVersion: "10"))
                // The ERROR ends the watch: the reflector does not wait for the server to close.
                case 1: .lines([APIJSON.event("ADDED", APIJSON.pod("x", resourceVersion: "11")), APIJSON.expiredEvent()], ending: .hold)
                case 2: .json(status: 200, body: APIJSON.list([APIJSON.pod("x", resourceVersion: "11")], resourceVersion: "30"))
                default: .lines([], ending: .hold)
                }
            }, until: { updates, requests in requests.count >= 4 })
        #expect(result.updates == ["replaced [a] @10", "added x@11", "replaced [x] @30"])
        #expect(result.requests[2].query["resourceVersion"] == nil)
        #expect(result.requests[3].query["resourceVersion"] == "30")
        #expect(
            result.observed == [
                "synced", "event added", "event error", "watchRestarted expired",
                "relisted watchExpired", "synced",
            ])
    }

    @Test func anExpiredContinueTokenDropsThePagesAndRelists() async throws {
        let result = try await run(
            script: { request, index in
                switch index {
                case 0:
                    .json(
                        status: 200,
                        body: APIJSON.list(
                            [APIJSON.pod("a", resourceVersion: "1"), APIJSON.pod("b", resourceVersion: "2")],
                            resourceVersion: "10", continue: "c1"))
                case 1: .json(status: 410, body: APIJSON.status(410, reason: "Expired", message: "continue token expired"))
                case 2: .json(status: 200, body: APIJSON.list([APIJSON.pod("a", resourceVersion: "1")], resourceVersion: "40"))
                default: .lines([], ending: .hold)
                }
            }, until: { updates, requests in requests.count >= 4 })
        // The first page was never handed over: b, deleted meanwhile, never appears.
        #expect(result.updates == ["replaced [a] @40"])
        #expect(result.requests[2].query == ["limit": "2"])
        #expect(result.observed == ["relisted continueExpired", "synced"])
    }

    @Test func aDroppedConnectionBacksOffAndWatchesAgainFromTheLastEvent() async throws {
        let result = try await run(
            script: { request, index in
                switch index {
                case 0: .json(status: 200, body: APIJSON.list([], resourceVersion: "10"))
                case 1: .lines([APIJSON.event("ADDED", APIJSON.pod("x", resourceVersion: "11"))], ending: .drop)
                default: .lines([], ending: .hold)
                }
            }, until: { updates, requests in requests.count >= 3 })
        #expect(result.updates == ["replaced [] @10", "added x@11"])
        #expect(result.requests[2].query["resourceVersion"] == "11")
        #expect(result.requests[2].query["watch"] == "1")
        #expect(result.observed == ["synced", "event added", "watchRestarted failed"])
    }

    @Test func aWatchThatEndsAtOnceWithNothingIsRetriedAfterABackoff() async throws {
        let result = try await run(
            script: { request, index in
                switch index {
                case 0: .json(status: 200, body: APIJSON.list([], resourceVersion: "10"))
                case 1, 2: .lines([])
                default: .lines([], ending: .hold)
                }
            }, until: { updates, requests in requests.count >= 4 })
        #expect(result.requests[1...].map { $0.query["resourceVersion"] } == ["10", "10", "10"])
        #expect(result.observed == ["synced", "watchRestarted closedEarly", "watchRestarted closedEarly"])
    }

    @Test func aGarbageLineIsCountedAsRejectedAndTheWatchGoesOn() async throws {
        let result = try await run(
            script: { request, index in
                switch index {
                case 0: .json(status: 200, body: APIJSON.list([APIJSON.badPod("bad", resourceVersion: "2")], resourceVersion: "10"))
                case 1:
                    .lines(
                        [
                            "{garbage", APIJSON.event("ADDED", APIJSON.badPod("worse", resourceVersion: "11")),
                            APIJSON.event("ADDED", APIJSON.pod("good", resourceVersion: "12")),
                        ], ending: .hold)
                default: .lines([], ending: .hold)
                }
            }, until: { updates, _ in updates.count >= 4 })
        #expect(
            result.updates == [
                "replaced [] rejected 1 @10", "rejected UNDECODABLE ?", "rejected ADDED default/worse",
                "added good@12",
            ])
        #expect(result.requests.count == 2)  // no relist, no re-watch
        #expect(
            result.observed == [
                "rejected default/bad", "synced", "event rejected", "rejected ?", "event rejected",
                "rejected default/worse", "event added",
            ])
    }

    @Test func aWatchThatOutlivesItsTimeoutIsGivenUp() async throws {
        let result = try await run(
            script: { request, index in
                switch index {
                case 0: .json(status: 200, body: APIJSON.list([], resourceVersion: "10"))
                // Silent and never ending, like a connection whose peer vanished.
                default: .lines([APIJSON.bookmark("11")], ending: .hold)
                }
            },
            configure: {
                $0.policy.minimumWatchTimeout = .seconds(1)
                $0.watchDeadlineMargin = .milliseconds(300)
            }, until: { _, requests in requests.count >= 3 })
        #expect(result.requests[1].query["timeoutSeconds"] == "1")
        #expect(result.requests[2].query["resourceVersion"] == "11")
        #expect(result.observed.prefix(3) == ["synced", "event bookmark", "watchRestarted failed"])
    }

    @Test func cancellationEndsABackoffAtOnce() async throws {
        let result = try await run(
            script: { _, _ in
                .json(status: 500, body: APIJSON.status(500, reason: "InternalError"))
            },
            configure: {
                $0.policy.backoff = Backoff(initial: .seconds(60), maximum: .seconds(60))
            }, until: { _, requests in requests.count >= 1 })
        // `run` checked that the reflector stopped within 2 s, well inside the minute's wait.
        #expect(result.requests.count == 1)
        #expect(result.updates.isEmpty)
    }

    @Test func anErrorEventOtherThan410BacksOffAndWatchesAgain() async throws {
        let result = try await run(
            script: { request, index in
                switch index {
                case 0: .json(status: 200, body: APIJSON.list([], resourceVersion: "10"))
                case 1:
                    .lines(
                        [
                            APIJSON.event("ADDED", APIJSON.pod("x", resourceVersion: "11")),
                            APIJSON.event("ERROR", APIJSON.status(500, reason: "InternalError", message: "etcd hiccup")),
                        ],
                        ending: .hold)
                default: .lines([], ending: .hold)
                }
            }, until: { _, requests in requests.count >= 3 })
        #expect(result.updates == ["replaced [] @10", "added x@11"])
        #expect(result.requests[2].query["watch"] == "1")
        #expect(result.requests[2].query["resourceVersion"] == "11")
        #expect(result.observed == ["synced", "event added", "event error", "watchRestarted failed"])
    }
}
