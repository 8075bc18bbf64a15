import ArgumentParser
import Config
import IPVSCore
import IPVSDaemon
import IPVSNetlink
import Logging
import Reconciler

struct RunCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "run",
        abstract: "Runs the node agent: reconciles continuously, health-checks endpoints, serves metrics.",
        discussion: """
            Reconciles at start, on every change of the config file, on SIGHUP and every resync \
            interval; endpoints that fail their health checks leave the kernel and come back when \
            they recover. SIGTERM stops it and leaves the kernel table as it is. Under systemd it \
            reports readiness, reloads and stopping, and feeds the watchdog. \
            Exit status: 1 if the config or the kernel is unusable at start; otherwise it runs \
            until SIGTERM or SIGINT stops it.
            """
    )

    @OptionGroup var reconcile: ReconcileOptions
    @OptionGroup var kernel: KernelOptions
    @OptionGroup var guards: GuardOptions

    @Option(help: "Seconds between two resyncs, which repair drift in owned objects.")
    var resyncInterval: Int = 30

    @Option(help: "Where /metrics, /healthz and /readyz are served (HOST:PORT; [IPv6]:PORT).")
    var metricsAddress = "127.0.0.1:9469"

    @Flag(help: "Also export per real server series on /metrics (O(real servers)).")
    var metricsRealServers = false

    @Option(help: "The address the per-service health ports (healthCheckNodePort) listen on.")
    var healthPortAddress = "0.0.0.0"

    func validate() throws {
        guard resyncInterval > 0 else { throw ValidationError("--resync-interval must be at least 1 second") }
        guard HostAndPort(metricsAddress) != nil else {
            throw ValidationError("--metrics-address must be HOST:PORT, e.g. 127.0.0.1:9469 or [::1]:9469")
        }
    }

    func run() async throws {
        // A config that does not load stops the agent before it touches anything.
        let session = try reconcile.loadConfigSession()
        let state = session?.state ?? DesiredState()
        let node = reconcile.nodeName(for: state)
        let metrics = HostAndPort(metricsAddress)!
        let configuration = NodeAgent.Configuration(
            loop: ReconcileLoop.Configuration(
                node: node, resyncInterval: .seconds(resyncInterval),
                limits: guards.options(node: node, interface: state.interface).limits, adopt: guards.adopt),
            stateDirectory: reconcile.stateDir,
            client: kernel.clientConfiguration,
            metricsHost: metrics.host, metricsPort: metrics.port,
            metricsRealServers: metricsRealServers,
            healthPortHost: healthPortAddress,
            version: IPVSCtl.version)
        let logger = Logger(label: "ipvsctl.agent")
        do {
            try await NodeAgent(configuration: configuration, logger: logger).run { metrics in
                try await source(session: session, node: node, metrics: metrics, logger: logger)
            }
        } catch {
            throw CLIError("\(error)")
        }
    }
}

extension RunCommand {
    /// The config file, or the Kubernetes API over the file's settings (when there is a file).
    func source(session: ConfigSession?, node: String, metrics: AgentMetrics, logger: Logger) async throws -> any DesiredStateSource {
        let kubernetes = reconcile.kubernetes
        let file = session.map { ConfigFileSource(session: $0, metrics: metrics, logger: logger) }
        // validate() requires --config without the Kubernetes source.
        guard kubernetes.isEnabled else { return file! }
        return KubernetesSource(
            configuration: kubernetes.sourceConfiguration(node: node), client: try await kubernetes.client(logger: logger),
            base: file, metrics: KubernetesMetrics(registry: metrics.registry), logger: logger)
    }
}
