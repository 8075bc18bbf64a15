import IPVSCore
import Logging

#if canImport(Glibc)
    import Glibc
#endif

/// Kernel settings (``KernelSysctl``: IPVS's `net.ipv4.vs.*` and the ARP settings), read and
/// written per network namespace through `/proc/sys`.
///
/// `/proc/sys/net` shows the network namespace of the task that opens a file there, and the open
/// file stays bound to that namespace's value. So the file is opened on this thread inside the
/// namespace (``NetworkNamespace``'s `setns`), and read or written after the thread is back: no
/// process is spawned (`ip netns exec ... sysctl`), and the caller's own namespace is never
/// touched. The `net.ipv4.vs.*` files exist once the `ip_vs` module is loaded.
public enum KernelSysctlFiles {
    /// The value of `name` in `namespace` (nil: the caller's own).
    public static func read(_ name: KernelSysctl, in namespace: NetworkNamespace? = nil) throws(IPVSError) -> Int {
        let descriptor = try open(name, writing: false, in: namespace)
        defer { close(descriptor) }
        var buffer = [UInt8](repeating: 0, count: 64)
        let count = buffer.withUnsafeMutableBytes { Glibc.read(descriptor, $0.baseAddress, $0.count) }
        guard count >= 0 else {
            let code = errno
            throw IPVSError(
                .commandFailed, "reading \(name.name) failed: \(IPVSError.errnoText(code))",
                object: name.name, errno: code)
        }
        let text = String(decoding: buffer[0..<count], as: UTF8.self).trimmingWhitespace
        guard let value = Int(text) else {
            throw IPVSError(.malformedReply, "\(name.name) reads '\(text)', not a number", object: name.name)
        }
        return value
    }

    /// The values of `names` in `namespace`.
    public static func read(
        _ names: some Sequence<KernelSysctl>, in namespace: NetworkNamespace? = nil
    ) throws(IPVSError) -> [KernelSysctl: Int] {
        var values: [KernelSysctl: Int] = [:]
        for name in names {
            values[name] = try read(name, in: namespace)
        }
        return values
    }

    /// Sets `name` to `value` in `namespace` (nil: the caller's own). Needs `CAP_NET_ADMIN` over
    /// the namespace. The kernel may refuse a value out of its range (`EINVAL`).
    public static func write(
        _ name: KernelSysctl, value: Int, in namespace: NetworkNamespace? = nil,
        logger: Logger = Logger(label: "ipvsctl.sysctl")
    ) throws(IPVSError) {
        guard let checked = Int32(exactly: value) else {
            throw IPVSError(.commandFailed, "\(value) is out of range for \(name.name)", object: name.name, errno: ERANGE)
        }
        let descriptor = try open(name, writing: true, in: namespace)
        defer { close(descriptor) }
        let text = Array("\(checked)\n".utf8)
        let written = text.withUnsafeBytes { Glibc.write(descriptor, $0.baseAddress, $0.count) }
        guard written == text.count else {
            let code = written < 0 ? errno : EIO
            throw IPVSError(
                code == EPERM || code == EACCES ? .permissionDenied : .commandFailed,
                "setting \(name.name) to \(checked) failed: \(IPVSError.errnoText(code))",
                object: name.name, errno: code)
        }
        logger.info(
            "ipvs sysctl written",
            metadata: [
                "sysctl": "\(name.name)", "value": "\(checked)", "namespace": "\(namespace?.path ?? "own")",
            ])
    }

    /// Whether `name` may be written in `namespace`: the file is opened for writing and closed,
    /// nothing is written.
    public static func isWritable(_ name: KernelSysctl, in namespace: NetworkNamespace? = nil) -> Bool {
        guard let descriptor = try? open(name, writing: true, in: namespace) else { return false }
        close(descriptor)
        return true
    }

    /// Opens the sysctl's file with this thread inside `namespace`.
    private static func open(_ name: KernelSysctl, writing: Bool, in namespace: NetworkNamespace?) throws(IPVSError) -> Int32 {
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
        case ENOENT where name.needsIPVS:
            throw IPVSError(
                .ipvsUnavailable,
                "\(name.name) does not exist: IPVS is not loaded (modprobe ip_vs) or not visible in this namespace",
                object: name.name, errno: ENOENT)
        case EACCES, EPERM:
            throw IPVSError(
                .permissionDenied, "permission denied: \(writing ? "writing" : "reading") \(name.name)",
                object: name.name, errno: opened.errno)
        default:
            throw IPVSError(
                .commandFailed, "opening \(name.path) failed: \(IPVSError.errnoText(opened.errno))",
                object: name.name, errno: opened.errno)
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
