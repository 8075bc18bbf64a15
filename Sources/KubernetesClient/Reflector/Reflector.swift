import KubernetesAPI
import Logging
import Synchronization

/// Keeps a local copy of one collection, client-go's reflector's way: a paged list, then a
/// watch from the list's version, resumed from the last event or bookmark, relisting on 410.
/// Every decision is ``ReflectorPolicy``'s; this is the thin driver that does the I/O.
///
/// ```swift
/// let reflector = Reflector(KubernetesService.self, client: client,
///                           selector: ObjectSelector(labelSelector: "!service.kubernetes.io/headless"),
///                           logger: logger)
/// let (updates, sink) = AsyncStream.makeStream(of: ReflectorUpdate<KubernetesService>.self)
/// group.addTask { await reflector.run(sink: sink) }
/// var store = ObjectStore<KubernetesService>()
/// for await update in updates { store.apply(update) }
/// ```
public struct Reflector<Object: KubernetesObject>: Sendable {
    public struct Configuration: Sendable {
        public var selector: ObjectSelector
        /// Items per list page.
        public var pageSize: Int = 500
        public var policy = ReflectorPolicy.Configuration()
        /// How long after its `timeoutSeconds` a watch that has not ended is given up: it
        /// guards against a connection that died without a word.
        public var watchDeadlineMargin: Duration = .seconds(30)

        public init(selector: ObjectSelector = ObjectSelector()) {
            self.selector = selector
        }
    }

    public let configuration: Configuration
    private let client: KubernetesHTTPClient
    private let observer: any ReflectorObserver
    private let logger: Logger

    public init(
        _ type: Object.Type = Object.self, client: KubernetesHTTPClient, configuration: Configuration,
        observer: any ReflectorObserver = NoReflectorObserver(), logger: Logger
    ) {
        self.client = client
        self.configuration = configuration
        self.observer = observer
        var logger = logger
        logger[metadataKey: "collection"] = "\(Object.collectionPath)"
        self.logger = logger
    }

    public init(
        _ type: Object.Type = Object.self, client: KubernetesHTTPClient, selector: ObjectSelector,
        observer: any ReflectorObserver = NoReflectorObserver(), logger: Logger
    ) {
        self.init(
            type, client: client, configuration: Configuration(selector: selector), observer: observer,
            logger: logger)
    }

    /// Lists and watches until the task is cancelled, then finishes `sink`. Failures are
    /// logged, counted and retried, never thrown.
    ///
    /// Give `sink` a stream that buffers without limit (`AsyncStream`'s default): an update
    /// dropped by a bounded buffer would leave the consumer's copy wrong until the next relist.
    public func run(sink: AsyncStream<ReflectorUpdate<Object>>.Continuation) async {
        await run(policy: ReflectorPolicy(configuration: configuration.policy), sink: sink)
    }

    /// ``run(sink:)`` with a policy of the caller's (a test's random source).
    func run(policy: ReflectorPolicy, sink: AsyncStream<ReflectorUpdate<Object>>.Continuation) async {
        defer { sink.finish() }
        var policy = policy
        var action = policy.start()
        var pages = ListedPages()

        while !Task.isCancelled {
            if action.delay > .zero {
                do { try await Task.sleep(for: action.delay) } catch { return }
            }
            let next: ReflectorPolicy.Action?
            switch action {
            case .list(let resourceVersion, let continueToken, _):
                if continueToken == nil { pages = ListedPages() }
                next = await listPage(
                    at: resourceVersion, continueToken: continueToken, pages: &pages,
                    policy: &policy, sink: sink)
            case .watch(let resourceVersion, let timeoutSeconds, _):
                next = await watch(from: resourceVersion, timeoutSeconds: timeoutSeconds, policy: &policy, sink: sink)
            }
            guard let next else { return }
            action = next
        }
    }

    /// Lists one page, and hands the list over when it was the last; nil when cancelled.
    private func listPage(
        at resourceVersion: String, continueToken: String?, pages: inout ListedPages,
        policy: inout ReflectorPolicy,
        sink: AsyncStream<ReflectorUpdate<Object>>.Continuation
    ) async -> ReflectorPolicy.Action? {
        let query = ListQuery(
            selector: configuration.selector, limit: configuration.pageSize,
            continueToken: continueToken, resourceVersion: resourceVersion)
        do {
            let page = try await client.list(Object.self, query: query)
            pages.items += page.items
            pages.rejected += page.rejected
            let next = page.metadata.continue.flatMap { $0.isEmpty ? nil : $0 }
            if next == nil { handOver(pages, resourceVersion: page.metadata.resourceVersion ?? "", sink: sink) }
            return policy.listPageReceived(continueToken: next, resourceVersion: page.metadata.resourceVersion)
        } catch {
            if Task.isCancelled { return nil }
            let expired = (error as? KubernetesAPIError)?.isExpired ?? false
            let (reason, next) = policy.listFailed(expired: expired, now: .now)
            logger.warning(
                "list failed; listing again",
                metadata: [
                    "error": "\(error)", "reason": "\(reason)", "delay": "\(next.delay)",
                ])
            observer.relisted(reason: reason)
            return next
        }
    }

    /// Watches until the watch ends and says what comes next; nil when cancelled.
    private func watch(
        from resourceVersion: String, timeoutSeconds: Int, policy: inout ReflectorPolicy,
        sink: AsyncStream<ReflectorUpdate<Object>>.Continuation
    ) async -> ReflectorPolicy.Action? {
        policy.watchStarted(now: .now)
        let (ending, progress) = await watchToItsEnd(from: resourceVersion, timeoutSeconds: timeoutSeconds, sink: sink)
        if Task.isCancelled { return nil }
        let restart = policy.watchEnded(ending, progress: progress, now: .now)
        logger.debug(
            "watch ended",
            metadata: [
                "reason": "\(restart.reason)", "events": "\(progress.events)", "delay": "\(restart.action.delay)",
            ])
        observer.watchRestarted(reason: restart.reason)
        if let relist = restart.relist {
            logger.info("watch expired; listing again", metadata: ["reason": "\(relist)"])
            observer.relisted(reason: relist)
        }
        return restart.action
    }

    /// The pages of the list under way.
    private struct ListedPages {
        var items: [Object] = []
        var rejected: [RejectedObject] = []
    }

    private func handOver(
        _ pages: ListedPages, resourceVersion: String,
        sink: AsyncStream<ReflectorUpdate<Object>>.Continuation
    ) {
        for rejected in pages.rejected {
            logger.warning("object skipped: it does not decode", metadata: ["object": "\(rejected)"])
            observer.objectRejected(rejected)
        }
        sink.yield(.replaced(items: pages.items, rejected: pages.rejected, resourceVersion: resourceVersion))
        logger.debug("list applied", metadata: ["objects": "\(pages.items.count)", "resourceVersion": "\(resourceVersion)"])
        observer.synced()
    }

    /// One watch, to its end; events go to `sink` as they come.
    private func watchToItsEnd(
        from resourceVersion: String, timeoutSeconds: Int,
        sink: AsyncStream<ReflectorUpdate<Object>>.Continuation
    ) async
        -> (ReflectorPolicy.WatchEnding, ReflectorPolicy.WatchProgress)
    {
        let progress = ProgressRecord()
        let query = WatchQuery(
            selector: configuration.selector, resourceVersion: resourceVersion,
            timeoutSeconds: timeoutSeconds)
        let deadline = Duration.seconds(timeoutSeconds) + configuration.watchDeadlineMargin
        let ending = await withTaskGroup(of: ReflectorPolicy.WatchEnding?.self) { group in
            group.addTask {
                do {
                    for try await event in try await client.watch(Object.self, query: query) {
                        if let ending = deliver(event, progress: progress, sink: sink) { return ending }
                    }
                    return .serverClosed
                } catch {
                    if Task.isCancelled { return nil }
                    let expired = (error as? KubernetesAPIError)?.isExpired ?? false
                    if !expired {
                        logger.warning("watch failed", metadata: ["error": "\(error)"])
                    }
                    return expired ? .expired : .failed
                }
            }
            group.addTask {
                do { try await Task.sleep(for: deadline) } catch { return nil }
                logger.warning("watch outlived its timeout; giving it up", metadata: ["timeoutSeconds": "\(timeoutSeconds)"])
                return .failed
            }
            defer { group.cancelAll() }
            return await group.next() ?? nil
        }
        return (ending ?? .failed, progress.state.withLock { $0 })
    }

    /// Passes one event on; returns how the watch ends when the event ends it.
    private func deliver(
        _ event: WatchEvent<Object>, progress: ProgressRecord,
        sink: AsyncStream<ReflectorUpdate<Object>>.Continuation
    ) -> ReflectorPolicy.WatchEnding? {
        observer.eventReceived(type: WatchEventType(event))
        switch event {
        case .added(let object), .modified(let object), .deleted(let object):
            progress.state.withLock {
                $0.events += 1
                if let version = object.metadata.resourceVersion { $0.lastResourceVersion = version }
            }
            sink.yield(.event(event))
        case .bookmark(let version):
            progress.state.withLock {
                $0.events += 1
                $0.lastResourceVersion = version
            }
        case .rejected(_, let rejected):
            // Counted as an event (the watch is alive), but its version, unknown, moves nothing.
            progress.state.withLock { $0.events += 1 }
            logger.warning("watch event skipped: it does not decode", metadata: ["object": "\(rejected)"])
            observer.objectRejected(rejected)
            sink.yield(.event(event))
        case .error(let status):
            if status.isExpired { return .expired }
            logger.warning("watch ended by an ERROR event", metadata: ["status": "\(status)"])
            return .failed
        }
        return nil
    }
}

/// What the watch task saw, read by the reflector after the task is over (or cut off).
private final class ProgressRecord: Sendable {
    let state = Mutex(ReflectorPolicy.WatchProgress())
}
