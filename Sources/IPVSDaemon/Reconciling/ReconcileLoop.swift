import Config
import IPVSCore
import Logging
import NIOPosix
import Reconciler
import ServiceLifecycle
import Synchronization
import UnixSignals

#if canImport(Glibc)
import Glibc
#endif

/// The agent's main loop: reconciles at start, on every config change (file watch and SIGHUP), on
/// every health verdict change, and on a periodic resync that repairs drift and finishes drains.
///
/// A config that fails to load is reported and the last good one stays in force. Failed kernel
/// writes are retried with backoff; the apply itself carries on past a refused object. Shutdown
/// leaves the kernel table exactly as it is, so a restart or an upgrade disrupts no traffic.
public final class ReconcileLoop: Service, Sendable {
    public struct Configuration: Sendable {
        public var configPath: String
        /// This node's name (`--node`, else the config's, else the host name).
        public var node: String
        public var resyncInterval: Duration
        /// How often drains are looked at while some are under way.
        public var drainPollInterval: Duration
        /// How often the config file is looked at.
        public var watchInterval: Duration
        public var limits: PlanGuards.Limits
        public var adopt: Bool
        public var maximumBackoff: Duration

        public init(configPath: String, node: String, resyncInterval: Duration = .seconds(30), drainPollInterval: Duration = .seconds(2),
                    watchInterval: Duration = .seconds(1), limits: PlanGuards.Limits = PlanGuards.Limits(), adopt: Bool = false,
                    maximumBackoff: Duration = .seconds(30)) {
            self.configPath = configPath
            self.node = node
            self.resyncInterval = resyncInterval
            self.drainPollInterval = drainPollInterval
            self.watchInterval = watchInterval
            self.limits = limits
            self.adopt = adopt
            self.maximumBackoff = maximumBackoff
        }
    }

    /// What the loop carries from one pass to the next.
    struct Memory {
        var state: DesiredState
        var fingerprint: ConfigFingerprint?
        /// The desired kernel state of the last pass that applied everything: changes made while
        /// it stands still are drift repairs.
        var lastAppliedDesired: DesiredKernelState?
        var drainsUnderway = false
        var nextResync: ContinuousClock.Instant
        var backoff: Backoff
        var failedLastTime = false
        /// The table as read at start-up for the health presumption, which the first pass plans
        /// against instead of reading it again (a second full read at 10,000 services).
        var startupTable: [ObservedTableEntry]?
    }

    let configuration: Configuration
    let reconciler: Reconciler
    let table: any IPVSTable
    let health: (any HealthVerdictSource)?
    let metrics: AgentMetrics
    let status: AgentStatus
    let notifier: (any ReadinessNotifier)?
    let healthPorts: (any HealthPortPublisher)?
    let logger: Logger
    private let memory: Mutex<Memory>
    private let triggers = TriggerBox()
    /// The traffic exposition's names, refreshed after each reconcile.
    let serviceNames = Mutex([VirtualServiceKey: String]())

    /// - Parameter state: the config as loaded at start-up (a broken config stops the agent
    ///   before it touches anything).
    public init(configuration: Configuration, state: DesiredState, reconciler: Reconciler, table: any IPVSTable,
                health: (any HealthVerdictSource)?, metrics: AgentMetrics, status: AgentStatus,
                notifier: (any ReadinessNotifier)?, healthPorts: (any HealthPortPublisher)?, logger: Logger) {
        self.configuration = configuration
        self.reconciler = reconciler
        self.table = table
        self.health = health
        self.metrics = metrics
        self.status = status
        self.notifier = notifier
        self.healthPorts = healthPorts
        self.logger = logger
        memory = Mutex(Memory(state: state, fingerprint: ConfigFingerprint.of(path: configuration.configPath),
                              nextResync: .now + configuration.resyncInterval,
                              backoff: Backoff(maximum: configuration.maximumBackoff)))
        let startupTable = setHealthTargets(state, presumingHealthyWhatServes: true)
        memory.withLock { $0.startupTable = startupTable }
    }

    /// - Parameter presumingHealthyWhatServes: at start, a target that is a real server in the
    ///   kernel already (a restart) starts healthy, not unknown: the agent before us judged it
    ///   so, and one failed first probe of a busy moment must not take a serving backend out.
    /// - Returns: the table read for the presumption, if it was read.
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

    /// Asks for a pass, as SIGHUP does (tests and embedders).
    public func trigger(_ reason: ReconcileTrigger) { triggers.raise(reason) }

    public func run() async throws {
        status.loopStarted()
        defer { status.loopStopped() }
        await withGracefulShutdownHandler {
            await withDiscardingTaskGroup { group in
                group.addTask { await self.watchConfigAndClock() }
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
            self.notifier?.notify(.stopping)
            self.triggers.finish()
        }
        logger.notice("reconciler loop stopped; the kernel table is left as it is")
    }

    // MARK: - Producers

    /// Polls the config file and the resync clock.
    func watchConfigAndClock() async {
        while !Task.isCancelled {
            do { try await Task.sleep(for: configuration.watchInterval) } catch { return }
            let fingerprint = ConfigFingerprint.of(path: configuration.configPath)
            let (changed, due) = memory.withLock { memory in
                (fingerprint != nil && fingerprint != memory.fingerprint, ContinuousClock.now >= memory.nextResync)
            }
            if changed { triggers.raise(.config) }
            if due { triggers.raise(memory.withLock { $0.failedLastTime } ? .retry : .resync) }
        }
    }

    func forwardSignals() async {
        for await _ in await UnixSignalsSequence(trapping: .sighup) {
            logger.notice("SIGHUP: reloading the config")
            triggers.raise(.signal)
        }
    }

    func forwardHealthChanges() async {
        guard let health else { return }
        for await _ in health.changes { triggers.raise(.health) }
    }

    /// Feeds systemd's watchdog at half its interval while the loops are healthy: a stuck
    /// reconcile or a stalled health checker gets the agent restarted.
    func feedWatchdog() async {
        let interval = notifier?.watchdogInterval
        var wasStalled = false
        var lastFed = ContinuousClock.now
        while !Task.isCancelled {
            do { try await Task.sleep(for: .seconds(1)) } catch { return }
            let stalled = health?.isStalled() ?? false
            if stalled != wasStalled {
                wasStalled = stalled
                status.checker(stalled: stalled)
                metrics.checkerStalled.set(to: stalled ? 1 : 0)
                if stalled { logger.error("the health checker's loop is stalled; the watchdog is no longer fed") }
                else { logger.notice("the health checker's loop runs again") }
            }
            guard let interval, ContinuousClock.now - lastFed >= interval / 2, status.problem() == nil else { continue }
            notifier?.notify(.watchdog)
            lastFed = .now
        }
    }

    // MARK: - One pass

    func pass(_ reasons: Set<ReconcileTrigger>) async {
        guard let trigger = reasons.min() else { return }
        status.loopActive()
        let reloading = reasons.contains { $0.reloadsConfig }
        if reloading {
            notifier?.notify(.reloading)
            reloadConfig()
        }
        var succeeded = false
        do {
            let outcome = try await NIOThreadPool.singleton.runIfActive { self.reconcile(trigger: trigger) }
            succeeded = outcome.succeeded
            if let ports = outcome.healthPorts { await healthPorts?.publish(ports) }
        } catch {
            logger.error("reconcile could not run", metadata: ["error": "\(error)"])
        }
        metrics.reconciles(trigger: trigger, result: succeeded ? "success" : "failure").increment()
        let wasReady = status.isReady
        status.reconciled()
        if !wasReady || reloading {
            notifier?.notify(.ready(status: succeeded ? "reconciled" : "reconciled with errors; retrying"))
        }
    }

    /// Loads the config again; a failure keeps the last good one.
    func reloadConfig() {
        let fingerprint = ConfigFingerprint.of(path: configuration.configPath)
        memory.withLock { $0.fingerprint = fingerprint }
        do {
            let state = try ConfigLoader.load(contentsOf: configuration.configPath)
            memory.withLock { $0.state = state }
            setHealthTargets(state)
            metrics.configReloads("success").increment()
            metrics.configLastReloadSuccessful.set(to: 1)
            logger.notice("config reloaded", metadata: ["services": "\(state.services.count)"])
        } catch {
            metrics.configReloads("failure").increment()
            metrics.configLastReloadSuccessful.set(to: 0)
            logger.error("config rejected; the last good config stays in force", metadata: [
                "file": "\(configuration.configPath)", "problems": "\(error.description)",
            ])
        }
    }

    /// Reads, plans and applies once. Runs on a thread of its own (netlink calls block).
    /// Returns whether everything was applied, and what the health ports should answer.
    func reconcile(trigger: ReconcileTrigger) -> (succeeded: Bool, healthPorts: [UInt16: HealthPortStatus]?) {
        let started = ContinuousClock.now
        let (state, startupTable) = memory.withLock { memory in
            defer { memory.startupTable = nil }  // only the first pass may use it
            return (memory.state, memory.startupTable)
        }
        let view = health?.view()
        var options = Reconciler.Options(node: configuration.node, interface: state.interface, adopt: configuration.adopt,
                                         limits: configuration.limits, now: Self.unixTime())
        options.now = Self.unixTime()
        var succeeded = false
        defer {
            metrics.reconcileDuration.record(ContinuousClock.now - started)
            schedule(after: succeeded)
        }

        let planning: Reconciler.Planning
        do {
            planning = try reconciler.plan(state, options: options, health: view, observedTable: startupTable)
        } catch {
            metrics.errors(error.code == .ledger ? "ledger" : "read").increment()
            logger.error("cannot plan", metadata: ["error": "\(error)"])
            return (false, nil)
        }
        metrics.recordSelection(planning.desired, health: view, state: state, node: configuration.node)
        let ports = healthPortStatus(state: state, desired: planning.desired)
        serviceNames.withLock { names in
            names = Dictionary(planning.desired.virtualServices.map { ($0.service.key, $0.origin.serviceName) },
                               uniquingKeysWith: { first, _ in first })
        }
        guard planning.violations.isEmpty else {
            metrics.errors("guard").increment()
            logger.error("plan refused by a guard; nothing changed", metadata: [
                "violations": "\(planning.violations.map(\.description).joined(separator: "; "))",
            ])
            return (false, ports)
        }

        let report: Reconciler.Report
        do {
            report = try reconciler.apply(planning, interface: state.interface)
        } catch {
            metrics.errors(error.code == .ledger ? "ledger" : "apply").increment()
            logger.error("apply failed", metadata: ["error": "\(error)"])
            return (false, ports)
        }

        let drift = memory.withLock { memory -> Int in
            let standingStill = memory.lastAppliedDesired == planning.desired
            memory.drainsUnderway = !planning.plan.ledger.drains.isEmpty
            if report.failures.isEmpty { memory.lastAppliedDesired = planning.desired }
            guard standingStill else { return 0 }
            return report.applied.count { !Self.isDrainProgress($0, previous: planning.previousLedger) }
        }
        metrics.recordApply(planning, report: report, drift: drift)
        metrics.drains.set(Double(planning.plan.ledger.drains.count))
        if drift > 0 { logger.warning("drift repaired in owned objects", metadata: ["changes": "\(drift)"]) }
        if !report.applied.isEmpty {
            logger.info("reconciled", metadata: [
                "trigger": "\(trigger.rawValue)", "applied": "\(report.applied.count)", "failed": "\(report.failures.count)",
                "kernelCommands": "\(report.kernelCommands)",
            ])
        }
        succeeded = report.failures.isEmpty
        if succeeded { metrics.lastSuccess.set(Double(Self.unixTime())) }
        return (succeeded, ports)
    }

    /// A drain step (weight 0, or the delete at its end) is the plan at work, not drift.
    static func isDrainProgress(_ change: Change, previous: Ledger) -> Bool {
        switch change {
        case .drainRealServer: true
        case .deleteRealServer(let real, let service): previous.drains[DrainKey(service: service, realServer: real.server.key)] != nil
        default: false
        }
    }

    /// When the next unprompted pass is due: soon after a failure (with backoff), soon while
    /// drains wait for their connections, else at the resync interval.
    func schedule(after succeeded: Bool) {
        memory.withLock { memory in
            let wait: Duration
            if succeeded {
                memory.backoff.reset()
                wait = memory.drainsUnderway ? min(configuration.drainPollInterval, configuration.resyncInterval) : configuration.resyncInterval
            } else {
                wait = memory.backoff.next()
            }
            memory.failedLastTime = !succeeded
            memory.nextResync = .now + wait
        }
    }

    /// Each `healthCheckNodePort` answers with this node's usable endpoints of its service.
    func healthPortStatus(state: DesiredState, desired: DesiredKernelState) -> [UInt16: HealthPortStatus]? {
        guard healthPorts != nil else { return nil }
        var ports: [UInt16: HealthPortStatus] = [:]
        for spec in state.services {
            guard let port = spec.healthCheckNodePort else { continue }
            let localAddresses = Set(spec.endpoints.filter { $0.node == configuration.node }.map(\.address))
            var serving = Set<IPAddress>()
            for service in desired.virtualServices where service.origin.serviceName == spec.name && service.origin.scope == .external {
                serving.formUnion(service.realServers.map(\.address).filter(localAddresses.contains))
                serving.formUnion(service.heldRealServers.map(\.address).filter(localAddresses.contains))
            }
            ports[port] = HealthPortStatus(serviceName: spec.name, localEndpoints: serving.count)
        }
        return ports
    }

    /// The kernel's traffic counters for `/metrics`: one service dump, plus every real server
    /// when asked for.
    public func renderTraffic(includeRealServers: Bool) -> String {
        let exposition = TrafficExposition(serviceNames: serviceNames.withLock { $0 })
        var text = ""
        do {
            if includeRealServers {
                let entries = try table.table()
                exposition.render(virtualServices: entries.map(\.virtualService), into: &text)
                exposition.render(table: entries, into: &text)
            } else {
                exposition.render(virtualServices: try table.virtualServices(), into: &text)
            }
        } catch {
            metrics.errors("read").increment()
            logger.warning("cannot read the kernel's counters for /metrics", metadata: ["error": "\(error)"])
        }
        return text
    }

    static func unixTime() -> Int64 {
        var now = timespec()
        clock_gettime(CLOCK_REALTIME, &now)
        return Int64(now.tv_sec)
    }
}
