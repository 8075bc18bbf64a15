/// How to tell whether an endpoint answers: the probe, its port and its timing. Declared per
/// service, optionally overridden per endpoint (the config resolves the override, so every
/// endpoint carries its effective check).
public struct HealthCheck: Hashable, Sendable {
    private struct Fields: Hashable, Sendable {
        var probe: Probe
        var port: UInt16?
        var interval: Duration
        var jitter: Double
        var timeout: Duration
        var rise: Int
        var fall: Int
        var initiallyHealthy: Bool
    }

    /// In one ``CopyOnWriteBox``: every endpoint carries its effective check, most often its
    /// service's, which it then shares.
    private var fields: CopyOnWriteBox<Fields>

    public var probe: Probe {
        get { fields.value.probe }
        _modify { yield &fields.value.probe }
    }
    /// The port probed; nil probes the endpoint's target port.
    public var port: UInt16? {
        get { fields.value.port }
        _modify { yield &fields.value.port }
    }
    /// Time between two probes of one target.
    public var interval: Duration {
        get { fields.value.interval }
        _modify { yield &fields.value.interval }
    }
    /// Each interval is stretched or shrunk by up to this fraction at random (0 to 1), so that
    /// probes of many targets do not fire in step.
    public var jitter: Double {
        get { fields.value.jitter }
        _modify { yield &fields.value.jitter }
    }
    /// A probe that takes longer fails.
    public var timeout: Duration {
        get { fields.value.timeout }
        _modify { yield &fields.value.timeout }
    }
    /// Consecutive successes that bring a failed endpoint back.
    public var rise: Int {
        get { fields.value.rise }
        _modify { yield &fields.value.rise }
    }
    /// Consecutive failures that take a healthy endpoint out.
    public var fall: Int {
        get { fields.value.fall }
        _modify { yield &fields.value.fall }
    }
    /// Start as healthy instead of unknown: the endpoint enters the kernel before its first probe.
    public var initiallyHealthy: Bool {
        get { fields.value.initiallyHealthy }
        _modify { yield &fields.value.initiallyHealthy }
    }

    public init(
        probe: Probe = .tcp, port: UInt16? = nil, interval: Duration = .seconds(5), jitter: Double = 0.1,
        timeout: Duration = .seconds(2), rise: Int = 2, fall: Int = 3, initiallyHealthy: Bool = false
    ) {
        fields = CopyOnWriteBox(
            Fields(
                probe: probe,
                port: port,
                interval: interval,
                jitter: jitter,
                timeout: timeout,
                rise: rise,
                fall: fall,
                initiallyHealthy: initiallyHealthy))
    }

    public enum Probe: Hashable, Sendable {
        /// A TCP connect that completes.
        case tcp
        /// An HTTP or HTTPS GET whose status (and, if asked, body) is as expected.
        case http(HTTPProbe)
        /// A UDP datagram that gets the expected reply.
        case udp(UDPProbe)
        /// A command that exits 0. It gets `IPVSCTL_HEALTH_ADDRESS` and `IPVSCTL_HEALTH_PORT`.
        case exec(ExecProbe)

        /// The probe kinds, as metrics and logs name them.
        public enum Kind: String, Sendable, CaseIterable {
            case tcp, http, https, udp, exec
        }

        public var kind: Kind {
            switch self {
            case .tcp: .tcp
            case .http(let probe): probe.secure ? .https : .http
            case .udp: .udp
            case .exec: .exec
            }
        }
    }

    public struct HTTPProbe: Hashable, Sendable {
        /// HTTPS instead of HTTP.
        public var secure: Bool
        /// How an HTTPS probe checks the server's certificate; nil checks nothing: the probe
        /// asks whether the endpoint answers, not who it is (as Kubernetes' HTTPS probes do).
        public var verification: TLSVerification?
        public var path: String
        /// The Host header; the endpoint's address when nil.
        public var host: String?
        /// Statuses that count as healthy.
        public var expectedStatus: ClosedRange<Int>
        /// A substring the body must contain.
        public var bodyContains: String?

        public init(
            secure: Bool = false, verification: TLSVerification? = nil, path: String = "/", host: String? = nil,
            expectedStatus: ClosedRange<Int> = 200...399, bodyContains: String? = nil
        ) {
            self.secure = secure
            self.verification = verification
            self.path = path
            self.host = host
            self.expectedStatus = expectedStatus
            self.bodyContains = bodyContains
        }

        /// The name in `host` (its port left out), the default name TLS sends and verifies; nil
        /// when there is no host or it is an address, which SNI cannot carry.
        public var hostName: String? {
            guard let host, !host.isEmpty, !host.hasPrefix("[") else { return nil }
            let colons = host.count { $0 == ":" }
            // Two colons or more: an IPv6 address without brackets.
            guard colons <= 1 else { return nil }
            let name = colons == 1 ? String(host[..<host.firstIndex(of: ":")!]) : host
            return name.isEmpty || IPAddress(name) != nil ? nil : name
        }
    }

    /// An HTTPS probe that fails unless the server's certificate chains to a trusted root and,
    /// when a name is known, names it.
    public struct TLSVerification: Hashable, Sendable {
        /// The roots the chain must end in.
        public var trustRoots: TrustRoots
        /// The name sent as SNI and looked for in the certificate; nil checks the chain only.
        public var serverName: String?

        public init(trustRoots: TrustRoots = .system, serverName: String? = nil) {
            self.trustRoots = trustRoots
            self.serverName = serverName
        }

        public enum TrustRoots: Hashable, Sendable {
            /// The system's trust store.
            case system
            /// The certificates of a PEM bundle, read when the config was loaded: a check
            /// carries the bytes, not only the path, so that a changed file takes effect with
            /// the next reload (which reads and checks it again), never half-way.
            case bundle(file: String, pem: [UInt8])
        }
    }

    public enum UDPProbe: Hashable, Sendable {
        /// Sends `send`; healthy when a reply arrives that contains `expect` (any reply when nil).
        case payload(send: [UInt8], expect: [UInt8]?)
        /// Sends a DNS query for this name (type A, recursion desired); healthy when a response
        /// with the query's id arrives, whatever its rcode: the server answers.
        case dns(name: String)
    }

    public struct ExecProbe: Hashable, Sendable {
        /// The program and its arguments; the program is looked up in PATH when it has no slash.
        public var command: [String]

        public init(command: [String]) {
            self.command = command
        }
    }
}

/// One thing to probe: an address and port with a check. Identical targets declared by several
/// services (or several virtual addresses of one) are probed once (keepalived#2111).
public struct HealthTarget: Hashable, Sendable, Comparable {
    public var address: IPAddress
    public var port: UInt16
    public var check: HealthCheck

    public init(address: IPAddress, port: UInt16, check: HealthCheck) {
        self.address = address
        self.port = port
        self.check = check
    }

    public static func < (lhs: HealthTarget, rhs: HealthTarget) -> Bool {
        (lhs.address, lhs.port, lhs.check.probe.kind.rawValue) < (rhs.address, rhs.port, rhs.check.probe.kind.rawValue)
    }
}
