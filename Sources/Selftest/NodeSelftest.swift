/// `ipvsctl-swift selftest`: checks a node before the agent runs there. Every check only looks
/// (``NodeInspecting``); each line says OK, WARN or FAIL and, when not OK, the fix.
public enum NodeSelftest {
    /// What to check, beside what the node itself says.
    public struct Subject: Sendable {
        /// What the config asks for (the defaults when there is no config or it is invalid).
        public var requirements: NodeRequirements
        /// The config file's verdict: nil when none was given.
        public var config: ConfigVerdict?
        public var stateDirectory: String
        public var listeners: [Listener]

        public init(requirements: NodeRequirements, config: ConfigVerdict?, stateDirectory: String, listeners: [Listener]) {
            self.requirements = requirements
            self.config = config
            self.stateDirectory = stateDirectory
            self.listeners = listeners
        }
    }

    public enum ConfigVerdict: Sendable {
        case valid(path: String, services: Int)
        case invalid(path: String, problems: String)
    }

    public static func run(_ subject: Subject, inspection: some NodeInspecting) -> SelftestReport {
        var results: [CheckResult] = []
        switch subject.config {
        case .valid(let path, let services):
            results.append(CheckResult(.config, subject: path, .ok, "valid (\(services) services)"))
        case .invalid(let path, let problems):
            results.append(
                CheckResult(
                    .config, subject: path, .fail, problems + " (the checks below assume the defaults)",
                    fix: "ipvsctl-swift validate --config \(path) lists every problem with its line and column"))
        case nil:
            break
        }
        let requirements = subject.requirements
        results.append(HostChecks.capabilities(inspection))
        let ipvs = KernelChecks.ipvs(inspection)
        results += ipvs.results
        results += KernelChecks.schedulers(requirements, inspection)
        results += KernelChecks.sysctls(requirements, ipvsAnswered: ipvs.status != nil, inspection)
        results += KernelChecks.strictARP(requirements, inspection)
        results.append(HostChecks.interface(requirements, inspection))
        results.append(HostChecks.stateDirectory(subject.stateDirectory, inspection))
        results += ListenerChecks.listeners(subject.listeners, inspection)
        results += PacketPathChecks.nftables(requirements, inspection)
        results += PacketPathChecks.conntrack(requirements, inspection)
        return SelftestReport(results: results)
    }
}
