/// The reflector's decisions, with no I/O: given what happened, whether to list (from which
/// resourceVersion, which page) or watch (from which resourceVersion, for how long), and how
/// long to wait first. Time and randomness come in from outside, so that every rule is tested
/// as a table.
///
/// The rules, client-go's reflector's:
/// - The first list asks for resourceVersion `"0"` (the server's watch cache, cheap); pages
///   follow with `continue`.
/// - A complete list is followed by a watch from the list's resourceVersion; each event and
///   bookmark moves the resume point. Versions are opaque: stored, passed back, never compared.
/// - The watch asks the server to end it after a random 5 to 10 minutes, so that a fleet of
///   watchers does not reconnect together; a normal end re-watches at once.
/// - 410 (expired) on a watch, as the status or an in-stream `ERROR`, or on a list page, means
///   list again from scratch with resourceVersion `""` (a consistent read from etcd).
/// - A watch that ends within a second with no event is a failure (a server that accepts and
///   drops at once must not be hammered). Failures wait per ``Backoff``.
public struct ReflectorPolicy: Sendable {
    public struct Configuration: Sendable {
        public var backoff = Backoff()
        /// The watch timeout asked for lies in [minimumWatchTimeout, 2 × minimumWatchTimeout).
        public var minimumWatchTimeout: Duration = .seconds(300)
        /// A watch shorter than this with no event is a failure.
        public var shortWatch: Duration = .seconds(1)

        public init() {}
    }

    public enum Action: Hashable, Sendable {
        /// List one page: `continueToken` nil starts a list from scratch at `resourceVersion`.
        case list(resourceVersion: String, continueToken: String?, after: Duration)
        case watch(resourceVersion: String, timeoutSeconds: Int, after: Duration)

        /// How long to wait before acting.
        public var delay: Duration {
            switch self {
            case .list(_, _, let after), .watch(_, _, let after): after
            }
        }
    }

    /// How a watch ended.
    public enum WatchEnding: Hashable, Sendable {
        /// The server ended the body normally.
        case serverClosed
        /// 410: as the HTTP status or an `ERROR` event.
        case expired
        /// Anything else: a transport or HTTP error, a malformed stream, the deadline passed.
        case failed
    }

    public struct WatchRestart: Hashable, Sendable {
        public var reason: WatchRestartReason
        /// Set when the next action lists from scratch.
        public var relist: RelistReason?
        public var action: Action
    }

    public let configuration: Configuration
    private var random: any RandomNumberGenerator & Sendable
    private var backoff: Backoff

    /// The resourceVersion of the list under way (all its pages share it).
    private var listResourceVersion = "0"
    private var continueToken: String?
    /// Where the next watch starts: the last complete list's, event's or bookmark's version.
    public private(set) var resumeResourceVersion: String?
    private var watchStartedAt: ContinuousClock.Instant?
    private var watchTimeoutSeconds = 0

    public init(
        configuration: Configuration = Configuration(),
        random: any RandomNumberGenerator & Sendable = SystemRandomNumberGenerator()
    ) {
        self.configuration = configuration
        self.random = random
        self.backoff = configuration.backoff
    }

    /// The first action: list from the watch cache.
    public mutating func start() -> Action {
        listFromScratch(resourceVersion: "0", after: .zero)
    }

    /// A page arrived. Without a continue token the list is complete: watch from its version.
    public mutating func listPageReceived(continueToken next: String?, resourceVersion: String?) -> Action {
        if let next, !next.isEmpty {
            continueToken = next
            return .list(resourceVersion: listResourceVersion, continueToken: next, after: .zero)
        }
        continueToken = nil
        resumeResourceVersion = resourceVersion ?? ""
        return newWatch(after: .zero)
    }

    /// A page failed. 410 starts over at `""` at once; anything else retries the list from its
    /// first page after a backoff.
    public mutating func listFailed(expired: Bool, now: ContinuousClock.Instant) -> (RelistReason, Action) {
        let wasPaging = continueToken != nil
        // A 410 on a consistent first page cannot be cured by asking again at once.
        if expired, wasPaging || !listResourceVersion.isEmpty {
            return (wasPaging ? .continueExpired : .listExpired, listFromScratch(resourceVersion: "", after: .zero))
        }
        let delay = backoff.nextDelay(now: now, random: nextRandom())
        return (.listFailed, listFromScratch(resourceVersion: listResourceVersion, after: delay))
    }

    /// What a watch saw before it ended.
    public struct WatchProgress: Hashable, Sendable {
        /// Events and bookmarks received.
        public var events: Int
        /// The version of the last event or bookmark that carried one.
        public var lastResourceVersion: String?

        public init(events: Int = 0, lastResourceVersion: String? = nil) {
            self.events = events
            self.lastResourceVersion = lastResourceVersion
        }
    }

    /// The watch's request is about to go out.
    public mutating func watchStarted(now: ContinuousClock.Instant) {
        watchStartedAt = now
    }

    /// The watch ended: what it counts as, and what comes next.
    public mutating func watchEnded(
        _ ending: WatchEnding, progress: WatchProgress, now: ContinuousClock.Instant
    )
        -> WatchRestart
    {
        if let version = progress.lastResourceVersion, !version.isEmpty { resumeResourceVersion = version }
        let lasted = watchStartedAt.map { $0.duration(to: now) } ?? .zero
        let short = progress.events == 0 && lasted < configuration.shortWatch
        switch ending {
        case .expired:
            // At once, unless the watch expired the moment it began: then the relist waits.
            let delay = short ? backoff.nextDelay(now: now, random: nextRandom()) : .zero
            return WatchRestart(
                reason: .expired, relist: .watchExpired,
                action: listFromScratch(resourceVersion: "", after: delay))
        case .serverClosed where short:
            return WatchRestart(
                reason: .closedEarly, relist: nil, action: newWatch(after: backoff.nextDelay(now: now, random: nextRandom())))
        case .serverClosed:
            let reason: WatchRestartReason = lasted >= .seconds(watchTimeoutSeconds) ? .timedOut : .closed
            return WatchRestart(reason: reason, relist: nil, action: newWatch(after: .zero))
        case .failed:
            return WatchRestart(reason: .failed, relist: nil, action: newWatch(after: backoff.nextDelay(now: now, random: nextRandom())))
        }
    }

    private mutating func listFromScratch(resourceVersion: String, after delay: Duration) -> Action {
        listResourceVersion = resourceVersion
        continueToken = nil
        return .list(resourceVersion: resourceVersion, continueToken: nil, after: delay)
    }

    private mutating func newWatch(after delay: Duration) -> Action {
        let minimum = configuration.minimumWatchTimeout
        let timeout = minimum + minimum * nextRandom()
        watchTimeoutSeconds = max(1, Int(timeout.components.seconds))
        return .watch(resourceVersion: resumeResourceVersion ?? "", timeoutSeconds: watchTimeoutSeconds, after: delay)
    }

    private mutating func nextRandom() -> Double {
        Double.random(in: 0..<1, using: &random)
    }
}
