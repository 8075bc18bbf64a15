import Conntrack
import HealthChecking
import IPVSCore
import IPVSNetlink
import Logging
import Nftables
import Reconciler
import ServiceLifecycle

/// `ipvsctl-swift run`: the reconciler loop, the health checker, the metrics endpoint and the
/// health ports, as one ServiceLifecycle group. SIGTERM and SIGINT shut it down gracefully, the
/// loop first (the kernel table stays as it is), then the listeners, then the checker.
public struct NodeAgent: Sendable {
    public struct Configuration: Sendable {
        public var loop: ReconcileLoop.Configuration
        /// Where the ledger lives.
        public var stateDirectory: String
        public var client: IPVSClient.Configuration
        public var metricsHost: String
        public var metricsPort: Int
        /// Per real server series on `/metrics` (O(real servers)).
        public var metricsRealServers: Bool
        /// Where the per-service health ports listen (all addresses by default).
        public var healthPortHost: String?
        public var version: String

        public init(
            loop: ReconcileLoop.Configuration, stateDirectory: String, client: IPVSClient.Configuration,
            metricsHost: String, metricsPort: Int, metricsRealServers: Bool, healthPortHost: String?, version: String
        ) {
            self.loop = loop
            self.stateDirectory = stateDirectory
            self.client = client
            self.metricsHost = metricsHost
            self.metricsPort = metricsPort
            self.metricsRealServers = metricsRealServers
            self.healthPortHost = healthPortHost
            self.version = version
        }
    }

    public var configuration: Configuration
    public var logger: Logger

    public init(configuration: Configuration, logger: Logger) {
        self.configuration = configuration
        self.logger = logger
    }

    /// Runs until SIGTERM or SIGINT, with the desired state from `makeSource`.
    public func run(source makeSource: (AgentMetrics) async throws -> any DesiredStateSource) async throws {
        FreedMemory.keepLargeBlocksApart()
        FreedMemory.withoutTransparentHugePages()
        let table = try IPVSClient(configuration: configuration.client, logger: logger)
        let addresses = try InterfaceAddressClient(
            configuration: .init(namespace: configuration.client.namespace, timeout: configuration.client.timeout))
        let reconciler = Reconciler(
            table: table, addresses: addresses, sysctls: NamespaceSysctls(namespace: configuration.client.namespace),
            packetFilter: NftablesClient(namespace: configuration.client.namespace, logger: logger),
            ledgerStore: LedgerStore(directory: configuration.stateDirectory), logger: logger)
        let metrics = AgentMetrics(version: configuration.version)
        let source = try await makeSource(metrics)
        let checker = HealthChecker(observer: metrics, logger: logger)
        let status = AgentStatus(loopStallBound: configuration.loop.resyncInterval * 2 + .seconds(60))
        let notifier = SystemdNotifier.fromProcessEnvironment().map { SystemdReadiness(notifier: $0, logger: logger) }
        let healthPorts = HealthCheckPortServers(host: configuration.healthPortHost, logger: logger)
        let traffic = KernelTrafficScrape(
            table: try IPVSClient(configuration: configuration.client, logger: logger),
            includeRealServers: configuration.metricsRealServers, metrics: metrics, logger: logger)
        let loop = ReconcileLoop(
            configuration: configuration.loop, source: source, reconciler: reconciler, table: table,
            health: checker, metrics: metrics, status: status, notifier: notifier,
            healthPorts: HealthPortUpdates(servers: healthPorts, logger: logger), traffic: traffic,
            conntrackCleaner: ConntrackCleaner(
                table: KernelConntrack(namespace: configuration.client.namespace, logger: logger),
                logger: logger),
            logger: logger)
        let endpoints = AgentEndpoints(metrics: metrics, status: status) { traffic.render() }
        let http = HTTPEndpointServer(host: configuration.metricsHost, port: configuration.metricsPort, logger: logger) { request in
            let answer = await endpoints.respond(to: request.path)
            return HTTPResponse(status: answer.status, contentType: answer.contentType, body: answer.body)
        }
        logger.notice(
            "node agent starting",
            metadata: [
                "node": "\(configuration.loop.node)",
                "metrics": "\(configuration.metricsHost):\(configuration.metricsPort)", "systemd": "\(notifier != nil)",
            ])
        // Shut down in reverse order: the loop first, so that nothing is written while the rest stops.
        let group = ServiceGroup(
            configuration: ServiceGroupConfiguration(
                services: [
                    .init(service: checker),
                    .init(service: http),
                    .init(service: healthPorts),
                    .init(service: loop),
                ],
                gracefulShutdownSignals: [.sigterm, .sigint],
                logger: logger))
        try await group.run()
    }
}

extension HealthChecker: HealthVerdictSource {}

extension AgentMetrics: HealthCheckObserver {
    public func probeCompleted(_ target: HealthTarget, result: ProbeResult, transition: HealthTransition?) {
        healthChecks(kind: target.check.probe.kind, failure: result.failure?.kind).increment()
        if let transition { healthTransitions(to: transition.to).increment() }
    }
}

/// sd_notify for the loop; a failed notification is logged, never fatal.
struct SystemdReadiness: ReadinessNotifier {
    var notifier: SystemdNotifier
    var logger: Logger

    var watchdogInterval: Duration? { notifier.watchdogInterval }

    func notify(_ event: ReadinessEvent) {
        let states: [SystemdNotifier.State] =
            switch event {
            case .ready(let status): [.ready, .status(status)]
            case .reloading: [.reloading, .status("reloading")]
            case .stopping: [.stopping, .status("stopping; the kernel table stays as it is")]
            case .watchdog: [.watchdog]
            case .status(let text): [.status(text)]
            }
        do { try notifier.send(states) } catch {
            logger.warning("cannot notify systemd", metadata: ["error": "\(error)"])
        }
    }
}

/// The health ports follow each reconcile; a port that cannot be bound is logged and tried again
/// on the next one.
struct HealthPortUpdates: HealthPortPublisher {
    var servers: HealthCheckPortServers
    var logger: Logger

    func publish(_ ports: [UInt16: HealthPortStatus]) async {
        for failure in await servers.update(ports) {
            logger.error(
                "cannot open a health port",
                metadata: ["port": "\(failure.port)", "service": "\(failure.serviceName)", "error": "\(failure.error)"])
        }
    }
}
