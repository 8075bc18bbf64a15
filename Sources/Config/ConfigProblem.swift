/// One thing wrong with a config file, with where it is both in the text (line and column, what
/// an editor jumps to) and in the structure (the field path, what the documentation names).
public struct ConfigProblem: Sendable, Hashable, CustomStringConvertible {
    /// What kind of mistake this is. Stable names, so that tools and tests can match on them
    /// without parsing messages.
    public enum Code: String, Sendable, Hashable, CaseIterable {
        /// The file could not be read (missing, a directory, no permission, not UTF-8).
        case unreadableFile
        /// The text is not YAML (libyaml's reader, scanner or parser, or the composer, refused it).
        case syntax
        /// The same key twice in one YAML mapping: YAML forbids it and the second would
        /// silently win in most tools.
        case duplicateKey
        /// A key this format does not know at that place; the message lists the allowed ones.
        case unknownKey
        /// A required key is absent or has no value.
        case missingKey
        /// A value of the wrong YAML type: a list where a mapping belongs, a string for a number...
        case wrongType
        /// Text that is not an IPv4 or IPv6 address.
        case invalidAddress
        /// Text that is not a CIDR range, or a range with host bits set (`203.0.113.7/24`).
        case invalidCIDR
        /// A number outside the range the field allows.
        case outOfRange
        /// A transport protocol other than TCP, UDP and SCTP.
        case unknownProtocol
        /// A scheduler that mainline Linux does not ship.
        case unknownScheduler
        /// A scheduler flag this format does not know.
        case unknownFlag
        /// A word outside a field's fixed vocabulary (policy, forwarding, family...) or a
        /// malformed name.
        case invalidValue
        /// A field, flag or value that does not apply given the service's other settings
        /// (`sh-port` without `sh`, tunnel options without tunnel forwarding...).
        case notApplicable
        /// Two services with the same name.
        case duplicateName
        /// Two declarations of the same kernel virtual service (VIP, port and protocol, or
        /// firewall mark and family).
        case duplicateVirtualService
        /// The same address twice where each must be distinct (a service's VIPs, node addresses).
        case duplicateAddress
        /// The same port and protocol twice in one service, a port name twice, or a health-check
        /// port that another service or a node port already uses.
        case duplicatePort
        /// Two endpoints of one service at the same address: they would be one real server.
        case duplicateEndpoint
        /// A service that declares no virtual service at all, or virtual IPs without ports.
        case noVirtualService
        /// An endpoint in an address family that the kernel cannot put behind the service, or a
        /// load-balancer source range of a family none of the service's load-balancer IPs has.
        case mixedFamilies
        /// An endpoint without `node` in a service whose traffic policy picks endpoints by node.
        case missingNode
        /// A node name that `nodes` does not list.
        case unknownNode
    }

    /// The file as the caller named it.
    public var file: String
    /// 1-based; 0 when the problem concerns the whole file (it could not be read).
    public var line: Int
    /// 1-based, counted in Unicode scalars as libyaml counts them; 0 with `line` 0.
    public var column: Int
    /// Where in the document's structure, like `services[2].ports[0].port`; empty for the
    /// document itself.
    public var path: String
    public var code: Code
    /// A sentence for an operator: what is wrong and, where it helps, what is allowed.
    public var message: String

    public init(file: String, line: Int, column: Int, path: String, code: Code, message: String) {
        self.file = file
        self.line = line
        self.column = column
        self.path = path
        self.code = code
        self.message = message
    }

    /// `FILE:LINE:COLUMN: PATH: MESSAGE`, the shape compilers use so editors can jump to it.
    /// The position is left out when there is none, the path when it is the document itself.
    public var description: String {
        var text = file
        if line > 0 { text += ":\(line):\(column)" }
        text += ": "
        if !path.isEmpty { text += "\(path): " }
        return text + message
    }
}
