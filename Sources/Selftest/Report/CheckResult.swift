/// What one check concluded.
public enum CheckStatus: String, Hashable, Sendable, Comparable, CaseIterable {
    /// Ready as it is, or made ready by the agent itself (a sysctl it sets, an interface it creates).
    case ok = "OK"
    /// Works, but an operator should know (a setting likely wanted, a check that could not run).
    case warn = "WARN"
    /// The agent cannot do its job here until this is fixed.
    case fail = "FAIL"

    private var rank: Int {
        switch self {
        case .ok: 0
        case .warn: 1
        case .fail: 2
        }
    }

    public static func < (lhs: CheckStatus, rhs: CheckStatus) -> Bool { lhs.rank < rhs.rank }
}

/// The things `selftest` looks at; the raw values are the stable names of its JSON output.
public enum CheckID: String, Hashable, Sendable, CaseIterable {
    case config
    case ipvs
    case scheduler
    case sysctl
    case strictARP = "strict-arp"
    case interface
    case capabilities
    case stateDirectory = "state-directory"
    case socketBuffers = "socket-buffers"
    case listener
    case nftables
    case conntrack
}

/// One line of the report: a check, what it looked at, what it found, and the fix when it is
/// not OK.
public struct CheckResult: Hashable, Sendable {
    public var check: CheckID
    /// What this line is about when a check has several (`rr`, `127.0.0.1:9469`,
    /// `net.ipv4.vs.conntrack`); nil otherwise.
    public var subject: String?
    public var status: CheckStatus
    /// What was found, for a person.
    public var detail: String
    /// What to do; nil when there is nothing to do.
    public var fix: String?

    public init(_ check: CheckID, subject: String? = nil, _ status: CheckStatus, _ detail: String, fix: String? = nil) {
        self.check = check
        self.subject = subject
        self.status = status
        self.detail = detail
        self.fix = fix
    }
}
