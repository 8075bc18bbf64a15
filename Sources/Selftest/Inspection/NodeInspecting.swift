import IPVSCore
import IPVSNetlink

/// The questions `selftest` asks of a node, each answered by looking only: nothing is loaded,
/// created or written. ``LiveNodeInspection`` asks the kernel; tests answer from memory, so
/// that every check's verdict is tested without I/O.
public protocol NodeInspecting: Sendable {
    /// The kernel release (`uname -r`), for messages.
    var kernelRelease: String { get }
    /// IPVS over generic netlink: its version and the socket buffers it got, or why not.
    func ipvs() -> Result<IPVSStatus, InspectionFailure>
    func module(_ module: KernelModule) -> ModuleState
    func sysctl(_ name: KernelSysctl) -> SysctlState
    /// `CAP_NET_ADMIN` is in this process's effective set.
    func hasNetworkAdministration() -> Bool
    /// The link called `name`; nil when there is none.
    func link(named name: String) -> Result<LinkState?, InspectionFailure>
    func stateDirectory(_ path: String) -> DirectoryState
    func bind(host: String, port: UInt16) -> BindOutcome
    /// Our nftables table read (nil: not there), or why nf_tables did not answer.
    func packetFilter() -> Result<Bool, InspectionFailure>
}

/// Why a look failed, with the category the checks base their advice on.
public struct InspectionFailure: Error, Hashable, Sendable {
    public enum Kind: Hashable, Sendable {
        /// The subsystem is absent (no IPVS, no nf_tables).
        case unavailable
        /// Not allowed (no `CAP_NET_ADMIN`, a read-only path).
        case permissionDenied
        case other
    }

    public var kind: Kind
    public var message: String

    public init(_ kind: Kind, _ message: String) {
        self.kind = kind
        self.message = message
    }
}

/// What IPVS answered: its version and the buffers its socket was granted.
public struct IPVSStatus: Hashable, Sendable {
    public var info: IPVSInfo
    public var buffers: SocketBuffers

    public init(info: IPVSInfo, buffers: SocketBuffers) {
        self.info = info
        self.buffers = buffers
    }
}

/// A kernel module by its name as `modprobe` and `/proc/modules` spell it (underscores).
public struct KernelModule: Hashable, Sendable, CustomStringConvertible {
    public var name: String
    public init(_ name: String) { self.name = name }
    public var description: String { name }

    public static let ipvs = KernelModule("ip_vs")
    public static let nfTables = KernelModule("nf_tables")
    public static let conntrackNetlink = KernelModule("nf_conntrack_netlink")
    public static let dummy = KernelModule("dummy")

    /// The module of an IPVS scheduler: `ip_vs_rr` for `rr`.
    public static func scheduler(_ scheduler: Scheduler) -> KernelModule { KernelModule("ip_vs_" + scheduler.rawValue) }
}

public enum ModuleState: Hashable, Sendable {
    case loaded
    /// Compiled into the kernel.
    case builtIn
    /// Not loaded, but this kernel has it: the kernel or modprobe can load it.
    case available
    /// This kernel has no such module.
    case missing
    /// Not loaded, and the kernel's module index (`/lib/modules/RELEASE/modules.dep`) is
    /// missing, so whether it could be is unknown.
    case unknown
}

public enum SysctlState: Hashable, Sendable {
    case value(Int, writable: Bool)
    /// The file does not exist (for `net.ipv4.vs.*`: IPVS is not loaded).
    case missing
    case unreadable(String)
}

public struct LinkState: Hashable, Sendable {
    /// "dummy", "veth"...; nil for a link without a kind.
    public var kind: String?
    public var isUp: Bool

    public init(kind: String?, isUp: Bool) {
        self.kind = kind
        self.isUp = isUp
    }
}

public enum DirectoryState: Hashable, Sendable {
    /// A writable directory; `ledgerProblem` says why the ledger in it does not load, if it
    /// does not.
    case writable(ledgerProblem: String?)
    /// Absent; `creatable` when its nearest existing ancestor is writable.
    case missing(creatable: Bool)
    case notDirectory
    case notWritable(String)
}

public enum BindOutcome: Hashable, Sendable {
    case free
    case inUse
    case failed(String)
}
