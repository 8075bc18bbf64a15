import ArgumentParser
import Config
import IPVSCore
import Selftest

struct SelftestCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "selftest",
        abstract: "Checks this node before the agent runs here: IPVS and its modules, kernel settings, privilege, state directory, ports.",
        discussion: """
            Each check prints OK, WARN or FAIL and, when not OK, the fix. With --config it checks \
            what that config needs (its schedulers, the sysctls apply would write, nftables and \
            conntrack, its health ports); without, the defaults. It only looks: nothing is loaded, \
            created or written. Exit status: 0 when no check failed (warnings allowed), 1 when one did.
            """
    )

    @Option(name: .shortAndLong, help: "The config file (YAML) the agent will run with.")
    var config: String?

    @Option(help: "This node's name (default: the config's `node`, else the host name).")
    var node: String?

    @Option(help: "Where the agent will keep its ledger.")
    var stateDir = "/var/lib/ipvsctl-swift"

    @Option(help: "Where the agent will serve /metrics (HOST:PORT; [IPv6]:PORT).")
    var metricsAddress = "127.0.0.1:9469"

    @Option(help: "The address the per-service health ports will listen on.")
    var healthPortAddress = "0.0.0.0"

    @OptionGroup var kernel: KernelOptions

    @Option(help: "text or json.")
    var output: ListCommand.OutputFormat = .text

    func validate() throws {
        guard HostAndPort(metricsAddress) != nil else {
            throw ValidationError("--metrics-address must be HOST:PORT, e.g. 127.0.0.1:9469 or [::1]:9469")
        }
    }

    func run() throws {
        var state = DesiredState()
        var verdict: NodeSelftest.ConfigVerdict?
        if let config {
            do {
                state = try ConfigLoader.load(contentsOf: config)
                verdict = .valid(path: config, services: state.services.count)
            } catch {
                verdict = .invalid(path: config, problems: error.description)
            }
        }
        let requirements = NodeRequirements(state, node: ReconcileOptions.nodeName(option: node, state: state))
        let metrics = HostAndPort(metricsAddress)!
        let listeners =
            [Listener(purpose: "metrics", host: metrics.host, port: UInt16(metrics.port))]
            + requirements.healthPorts.map { Listener(purpose: "health port", host: healthPortAddress, port: $0) }
        let subject = NodeSelftest.Subject(requirements: requirements, config: verdict, stateDirectory: stateDir, listeners: listeners)
        let report = NodeSelftest.run(
            subject,
            inspection: LiveNodeInspection(
                namespace: kernel.clientConfiguration.namespace,
                timeout: .seconds(kernel.timeout)))
        switch output {
        case .text: print(SelftestText.render(report), terminator: "")
        case .json: print(try SelftestJSON.render(report))
        }
        if report.status == .fail { throw ExitCode(1) }
    }
}
