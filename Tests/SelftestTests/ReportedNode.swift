import IPVSCore
import IPVSNetlink
import Selftest

/// A node described in memory: every answer `selftest` can get, set per test. Starts as a
/// node ready for the agent.
struct ReportedNode: NodeInspecting {
    var kernelRelease = "6.1.0-test-amd64"
    var ipvsAnswer: Result<IPVSStatus, InspectionFailure> = .success(
        IPVSStatus(
            info: IPVSInfo(version: 0x01_02_01, connectionTableSize: 4096),
            buffers: SocketBuffers(sendAsked: 4 << 20, sendGranted: 8 << 20, receiveAsked: 8 << 20, receiveGranted: 16 << 20)))
    var modules: [String: ModuleState] = [
        "ip_vs": .loaded, "ip_vs_rr": .loaded, "dummy": .available,
        "nf_tables": .available, "nf_conntrack_netlink": .available,
    ]
    var sysctls: [KernelSysctl: SysctlState] = Dictionary(
        uniqueKeysWithValues: KernelSysctl.allCases.map { ($0, .value(0, writable: true)) })
    var networkAdministration = true
    var links: [String: LinkState] = [:]
    var directories: [String: DirectoryState] = [:]
    var portsInUse: Set<UInt16> = []
    var packetFilterAnswer: Result<Bool, InspectionFailure> = .success(false)

    func ipvs() -> Result<IPVSStatus, InspectionFailure> { ipvsAnswer }
    func module(_ module: KernelModule) -> ModuleState { modules[module.name] ?? .missing }
    func sysctl(_ name: KernelSysctl) -> SysctlState { sysctls[name] ?? .missing }
    func hasNetworkAdministration() -> Bool { networkAdministration }
    func link(named name: String) -> Result<LinkState?, InspectionFailure> { .success(links[name]) }
    func stateDirectory(_ path: String) -> DirectoryState { directories[path] ?? .writable(ledgerProblem: nil) }
    func bind(host: String, port: UInt16) -> BindOutcome { portsInUse.contains(port) ? .inUse : .free }
    func packetFilter() -> Result<Bool, InspectionFailure> { packetFilterAnswer }
}

extension NodeSelftest.Subject {
    static func plain(_ requirements: NodeRequirements = NodeRequirements(), config: NodeSelftest.ConfigVerdict? = nil) -> Self {
        NodeSelftest.Subject(
            requirements: requirements, config: config, stateDirectory: "/var/lib/ipvsctl-swift",
            listeners: [Listener(purpose: "metrics", host: "127.0.0.1", port: 9469)])
    }
}
