import IPVSCore
import Logging
import NIOPosix
import Reconciler
import ServiceLifecycle
import Synchronization
import UnixSignals

/// The agent's main loop: reconciles at start, whenever the desired-state source changes (the
/// config file, SIGHUP, the Kubernetes API), on every health verdict change, and on a periodic
/// resync that repairs drift and finishes drains.
///
/// Failed kernel writes are retried with backoff; the apply itself carries on past a refused
/// object. Shutdown leaves the kernel table exactly as it is, so a restart or an upgrade disrupts
/// no traffic. The parts: one pass (`ReconcilePass.swift`), the resync clock
/// (`ResyncSchedule.swift`), the watchdog (`Watchdog.swift`).
public final class ReconcileLoop: Service, Sendable {
    public struct Configuration: Sendable {
        /// This node's name (`--node`, else the config's, else the host name).
        public var node: String
        public var resyncInterval: Duration
        /// How often drains are looked at while some are under way.
        public var drainPollInterval: Duration
        public var limits: PlanGuards.Limits
        public var adopt: Bool
        public var maximumBackoff: Duration

        public init(
            node: String, resyncInterval: Duration = .seconds(30), drainPollInterval: Duration = .seconds(2),
            limits: PlanGuards.Limits = PlanGuards.Limits(), adopt: Bool = false, maximumBackoff: Duration = .seconds(30)
        ) {
            self.node = node
            self.resyncInterval = resyncInterval
            self.drainPollInterval = drainPollInterval
            self.limits = limits
            self.adopt = adopt
            self.maximumBackoff = maximumBackoff
        }
    }

    /// What the loop carries from one pass to the next.
    struct Memory {
        /// The source generation the health checker's targets were set from; nil before the first.
        var healthGeneration: UInt64?
        /// The desired kernel state of the last pass that applied everything: changes made while
        /// it stands still are drift repairs.
        var lastAppliedDesired: DesiredKernelState?
        /// What a scoped pass plans against; nil until a full pass applied everything, and after
        /// any failure.
        var baseline: PassBaseline?
        var drainsUnderway = false
        var nextResync: ContinuousClock.Instant
        var backoff: Backoff
        var failedLastTime = false
        /// Whether "waiting for the first read" was logged already.
        var waitingLogged = false
        /// Set when graceful shutdown began: a pass still finishing then must not tell systemd
        /// READY after STOPPING.
        var stopping = false
    }

    let configuration: Configuration
    let source: any DesiredStateSource
    let reconciler: Reconciler
    let table: any IPVSTable
    let health: (any HealthVerdictSource)?
    let metrics: AgentMetrics
    let status: AgentStatus
    let notifier: (any ReadinessNotifier)?
    let healthPorts: (any HealthPortPublisher)?
    let traffic: KernelTrafficScrape?
    let conntrackCleaner: ConntrackCleaner?
    let logger: Logger
    let memory: Mutex<Memory>
    private let triggers = TriggerBox()

    public init(
        configuration: Configuration, source: any DesiredStateSource, reconciler: Reconciler, table: any IPVSTable,
        health: (any HealthVerdictSource)?, metrics: AgentMetrics, status: AgentStatus,
        notifier: (any ReadinessNotifier)?, healthPorts: (any HealthPortPublisher)?,
        traffic: KernelTrafficScrape? = nil, conntrackCleaner: ConntrackCleaner? = nil, logger: Logger
    ) {
        self.conntrackCleaner = conntrackCleaner
        self.configuration = configuration
        self.source = source
        self.reconciler = reconciler
        self.table = table
        self.health = health
        self.metrics = metrics
        self.status = status
        self.notifier = notifier
        self.healthPorts = healthPorts
        self.traffic = traffic
        self.logger = logger
        memory = Mutex(
            Memory(
                nextResync: .now + configuration.resyncInterval,
                backoff: Backoff(maximum: configuration.maximumBackoff)))
    }

    /// Asks for a pass, as SIGHUP does (tests and embedders).
    public func trigger(_ reason: ReconcileTrigger) { triggers.raise(reason) }

    public func run() async throws {
        status.loopStarted()
        defer { status.loopStopped() }
        await withGracefulShutdownHandler {
            await withDiscardingTaskGroup { group in
                group.addTask { await self.source.run(changed: self.sourceChanged) }
                group.addTask { await self.watchResyncClock() }
                group.addTask { await self.forwardSignals() }
                group.addTask { await self.forwardHealthChanges() }
                group.addTask { await self.feedWatchdog() }
                triggers.raise(.start)
                for await _ in triggers.batches {
                    await pass(triggers.take())
                }
                group.cancelAll()
            }
        } onGracefulShutdown: {
            // Under the lock that a finishing pass takes to say READY: STOPPING is the last word.
            self.memory.withLock { memory in
                memory.stopping = true
                self.notifier?.notify(.stopping)
            }
            self.triggers.finish()
        }
        logger.notice("reconciler loop stopped; the kernel table is left as it is")
    }

    // MARK: - Producers

    @Sendable func sourceChanged(_ change: DesiredStateChange) {
        switch change {
        case .configFile:
            notifier?.notify(.reloading)
            triggers.raise(.config)
        case .kubernetes:
            triggers.raise(.kubernetes)
        }
    }

    func forwardSignals() async {
        for await _ in await UnixSignalsSequence(trapping: .sighup) {
            logger.notice("SIGHUP: reading the desired state again")
            notifier?.notify(.reloading)
            await source.reload()
            triggers.raise(.signal)
        }
    }

    func forwardHealthChanges() async {
        guard let health else { return }
        for await _ in health.changes { triggers.raise(.health) }
    }

    // MARK: - One pass

    /// One pass for `reasons`, as `run()` makes them, for the agent benchmark: it drives passes
    /// without the loop's clock, signals and source task.
    @_spi(Benchmarks) public func benchmarkPass(_ reasons: Set<ReconcileTrigger>) async { await pass(reasons) }

    func pass(_ reasons: Set<ReconcileTrigger>) async {
        guard let trigger = reasons.min() else { return }
        status.loopActive()
        var succeeded = false
        do {
            // The source's state is taken on the pass's thread too: the Kubernetes source maps
            // its objects then, which at thousands of Services is work for a thread, not the pool.
            let outcome = try await NIOThreadPool.singleton.runIfActive { () -> PassOutcome in
                guard let current = self.source.current() else { return .waiting }
                let verdicts = self.health?.takeVerdictChanges() ?? VerdictChanges()
                // Verdicts and source changes touch a few services: plan those against the
                // baseline. Start, SIGHUP, resync and retries read the kernel.
                if reasons.allSatisfy(\.isScoped),
                    let result = self.reconcileScoped(current, trigger: trigger, changes: verdicts)
                {
                    // A config file was parsed whole, then mostly freed. (A Kubernetes event maps
                    // only the Services it touched: little to give back, and the trim walks
                    // the whole heap.)
                    if reasons.contains(.config) { FreedMemory.release() }
                    return .reconciled(result)
                }
                let result = self.reconcile(current, trigger: trigger, verdicts: verdicts)
                // The whole table was read and planned, then freed: give those pages back.
                FreedMemory.release()
                return .reconciled(result)
            }
            guard case .reconciled(let result) = outcome else {
                // The Kubernetes source before its first complete list: nothing to plan against
                // yet, and the agent is not ready.
                let first = memory.withLock { memory in
                    defer { memory.waitingLogged = true }
                    return !memory.waitingLogged
                }
                if first { logger.notice("waiting for the desired state's first complete read") }
                return
            }
            succeeded = result.succeeded
            if let ports = result.healthPorts { await healthPorts?.publish(ports) }
        } catch {
            logger.error("reconcile could not run", metadata: ["error": "\(error)"])
        }
        metrics.reconciles(trigger: trigger, result: AttemptResult(succeeded: succeeded)).increment()
        let wasReady = status.isReady
        status.reconciled()
        if !wasReady || reasons.contains(where: \.rereadsSource) {
            memory.withLock { memory in
                guard !memory.stopping else { return }
                notifier?.notify(.ready(status: succeeded ? "reconciled" : "reconciled with errors; retrying"))
            }
        }
    }

    enum PassOutcome {
        case waiting
        case reconciled(PassResult)
    }

    /// Hands the health checker the targets of a new desired state.
    ///
    /// - Parameter presumingHealthyWhatServes: at start, a target that is a real server in the
    ///   kernel already (a restart) starts healthy, not unknown: the agent before us judged it
    ///   so, and one failed first probe of a busy moment must not take a serving backend out.
    /// - Returns: the table read for the presumption, if it was read, which the pass then plans
    ///   against instead of reading it again (a second full read at 10,000 services).
    @discardableResult
    func setHealthTargets(_ state: DesiredState, presumingHealthyWhatServes: Bool = false) -> [ObservedTableEntry]? {
        guard let health else { return nil }
        let targets = HealthTargets.targets(of: state, node: configuration.node)
        var presumed: Set<HealthTarget> = []
        let serving = presumingHealthyWhatServes ? try? table.table() : nil
        if let serving {
            let servers = Set(serving.flatMap { $0.realServers.map { RealServerKey(address: $0.server.address, port: $0.server.port) } })
            presumed = targets.filter { servers.contains(RealServerKey(address: $0.address, port: $0.port)) }
        }
        health.setTargets(targets, presumedHealthy: presumed)
        metrics.healthTargets.set(Double(targets.count))
        return serving
    }
}
