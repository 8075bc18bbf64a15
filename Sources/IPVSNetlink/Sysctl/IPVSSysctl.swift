import Logging

#if canImport(Glibc)
import Glibc
#endif

/// The `net.ipv4.vs.*` sysctls a load balancer depends on, read and written per network
/// namespace through `/proc/sys/net/ipv4/vs/`.
///
/// `/proc/sys/net` shows the network namespace of the task that opens a file there, and the open
/// file stays bound to that namespace's value. So the file is opened on this thread inside the
/// namespace (``NetworkNamespace``'s `setns`), and read or written after the thread is back: no
/// process is spawned (`ip netns exec ... sysctl`), and the caller's own namespace is never
/// touched. The files exist once the `ip_vs` module is loaded.
public enum IPVSSysctl {
    /// The sysctls, named as in `/proc/sys/net/ipv4/vs/`.
    public enum Name: String, Sendable, Hashable, CaseIterable {
        /// `net.ipv4.vs.conntrack`: keep netfilter conntrack entries for IPVS connections
        /// (needed for SNAT or filtering on IPVS traffic). Kernel default 0.
        case conntrack
        /// `net.ipv4.vs.expire_nodest_conn`: drop a connection whose real server is gone at its
        /// next packet instead of letting it time out. Kernel default 0.
        case expireNoDestinationConnections = "expire_nodest_conn"
        /// `net.ipv4.vs.expire_quiescent_template`: expire persistence templates that point at a
        /// weight-0 (quiescent) real server. Kernel default 0.
        case expireQuiescentTemplates = "expire_quiescent_template"
        /// `net.ipv4.vs.conn_reuse_mode`: how a new connection reusing an old one's port is
        /// scheduled (0, 1 or 2). Kernel default 1.
        case connectionReuseMode = "conn_reuse_mode"

        /// The file, e.g. `/proc/sys/net/ipv4/vs/conntrack`.
        public var path: String { "/proc/sys/net/ipv4/vs/\(rawValue)" }
        /// The dotted name `sysctl` uses, e.g. `net.ipv4.vs.conntrack`.
        public var sysctlName: String { "net.ipv4.vs.\(rawValue)" }
    }

    /// The value of `name` in `namespace` (nil: the caller's own).
    public static func read(_ name: Name, in namespace: NetworkNamespace? = nil) throws(IPVSError) -> Int {
        let descriptor = try open(name, writing: false, in: namespace)
        defer { close(descriptor) }
        var buffer = [UInt8](repeating: 0, count: 64)
        let count = buffer.withUnsafeMutableBytes { Glibc.read(descriptor, $0.baseAddress, $0.count) }
        guard count >= 0 else {
            let code = errno
            throw IPVSError(.commandFailed, "reading \(name.sysctlName) failed: \(IPVSError.errnoText(code))",
                            object: name.sysctlName, errno: code)
        }
        let text = String(decoding: buffer[0..<count], as: UTF8.self).trimmingWhitespace
        guard let value = Int(text) else {
            throw IPVSError(.malformedReply, "\(name.sysctlName) reads '\(text)', not a number", object: name.sysctlName)
        }
        return value
    }

    /// Every sysctl of ``Name`` in `namespace`.
    public static func readAll(in namespace: NetworkNamespace? = nil) throws(IPVSError) -> [Name: Int] {
        var values: [Name: Int] = [:]
        for name in Name.allCases {
            values[name] = try read(name, in: namespace)
        }
        return values
    }

    /// Sets `name` to `value` in `namespace` (nil: the caller's own). Needs `CAP_NET_ADMIN` over
    /// the namespace. The kernel may refuse a value out of its range (`EINVAL`).
    public static func write(_ name: Name, value: Int, in namespace: NetworkNamespace? = nil,
                             logger: Logger = Logger(label: "ipvsctl.sysctl")) throws(IPVSError) {
        guard let checked = Int32(exactly: value) else {
            throw IPVSError(.commandFailed, "\(value) is out of range for \(name.sysctlName)", object: name.sysctlName, errno: ERANGE)
        }
        let descriptor = try open(name, writing: true, in: namespace)
        defer { close(descriptor) }
        let text = Array("\(checked)\n".utf8)
        let written = text.withUnsafeBytes { Glibc.write(descriptor, $0.baseAddress, $0.count) }
        guard written == text.count else {
            let code = written < 0 ? errno : EIO
            throw IPVSError(code == EPERM || code == EACCES ? .permissionDenied : .commandFailed,
                            "setting \(name.sysctlName) to \(checked) failed: \(IPVSError.errnoText(code))",
                            object: name.sysctlName, errno: code)
        }
        logger.info("ipvs sysctl written", metadata: [
            "sysctl": "\(name.sysctlName)", "value": "\(checked)", "namespace": "\(namespace?.path ?? "own")",
        ])
    }

    /// Opens the sysctl's file with this thread inside `namespace`.
    private static func open(_ name: Name, writing: Bool, in namespace: NetworkNamespace?) throws(IPVSError) -> Int32 {
        let flags = (writing ? O_WRONLY : O_RDONLY) | O_CLOEXEC
        let opened: (descriptor: Int32, errno: Int32)
        if let namespace {
            opened = try namespace.perform {
                let descriptor = Glibc.open(name.path, flags)
                return (descriptor, errno)
            }
        } else {
            let descriptor = Glibc.open(name.path, flags)
            opened = (descriptor, errno)
        }
        guard opened.descriptor < 0 else { return opened.descriptor }
        switch opened.errno {
        case ENOENT:
            throw IPVSError(.ipvsUnavailable,
                            "\(name.sysctlName) does not exist: IPVS is not loaded (modprobe ip_vs) or not visible in this namespace",
                            object: name.sysctlName, errno: ENOENT)
        case EACCES, EPERM:
            throw IPVSError(.permissionDenied, "permission denied: \(writing ? "writing" : "reading") \(name.sysctlName)",
                            object: name.sysctlName, errno: opened.errno)
        default:
            throw IPVSError(.commandFailed, "opening \(name.path) failed: \(IPVSError.errnoText(opened.errno))",
                            object: name.sysctlName, errno: opened.errno)
        }
    }
}

extension String {
    /// Without leading and trailing spaces, tabs and newlines (no Foundation).
    fileprivate var trimmingWhitespace: String {
        let isSpace: (Character) -> Bool = { $0 == " " || $0 == "\n" || $0 == "\t" || $0 == "\r" }
        guard let first = firstIndex(where: { !isSpace($0) }), let last = lastIndex(where: { !isSpace($0) }) else { return "" }
        return String(self[first...last])
    }
}
