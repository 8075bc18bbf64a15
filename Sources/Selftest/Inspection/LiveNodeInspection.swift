import IPVSCore
import IPVSNetlink
import Nftables
import Reconciler

#if canImport(Glibc)
    import Glibc
#endif

/// The node as its kernel and file system describe it, in one network namespace (nil: the
/// process's own). Looks only: modules are read from the files `modprobe` reads, sysctls are
/// opened for writing and closed unwritten, ports are bound and released, the state directory is
/// checked with `access(2)`. Blocking; `selftest` is a one-shot command.
public struct LiveNodeInspection: NodeInspecting {
    public var namespace: NetworkNamespace?
    public var timeout: Duration
    public let kernelRelease: String
    private let modules: KernelModuleIndex

    public init(namespace: NetworkNamespace? = nil, timeout: Duration = .seconds(10)) {
        self.namespace = namespace
        self.timeout = timeout
        var names = utsname()
        uname(&names)
        let release = withUnsafeBytes(of: &names.release) { String(decoding: $0.prefix { $0 != 0 }, as: UTF8.self) }
        self.kernelRelease = release
        let directory = "/lib/modules/" + release
        modules = KernelModuleIndex(
            procModules: Self.text(of: "/proc/modules") ?? "",
            modulesBuiltin: Self.text(of: directory + "/modules.builtin"),
            modulesDep: Self.text(of: directory + "/modules.dep"))
    }

    public func ipvs() -> Result<IPVSStatus, InspectionFailure> {
        do {
            let client = try IPVSClient(configuration: .init(namespace: namespace, timeout: timeout))
            return .success(IPVSStatus(info: try client.info(), buffers: client.socketBuffers))
        } catch {
            return .failure(Self.failure(error))
        }
    }

    /// `/sys/module/NAME` also shows built-in modules that have parameters, which
    /// `modules.builtin` lists only where the module index was installed.
    public func module(_ module: KernelModule) -> ModuleState {
        let state = modules.state(of: module)
        guard state == .missing || state == .unknown, access("/sys/module/" + module.name, F_OK) == 0 else { return state }
        return .builtIn
    }

    public func sysctl(_ name: KernelSysctl) -> SysctlState {
        do {
            let value = try KernelSysctlFiles.read(name, in: namespace)
            return .value(value, writable: KernelSysctlFiles.isWritable(name, in: namespace))
        } catch  where error.errno == ENOENT {
            return .missing
        } catch {
            return .unreadable(error.message)
        }
    }

    /// Bit 12 (`CAP_NET_ADMIN`) of `CapEff` in `/proc/self/status`.
    public func hasNetworkAdministration() -> Bool {
        guard let status = Self.text(of: "/proc/self/status") else { return false }
        return Self.effectiveCapabilities(inStatus: status).map { $0 & (1 << 12) != 0 } ?? false
    }

    static func effectiveCapabilities(inStatus status: String) -> UInt64? {
        for line in status.split(separator: "\n") where line.hasPrefix("CapEff:") {
            return UInt64(line.dropFirst("CapEff:".count).filter { !$0.isWhitespace }, radix: 16)
        }
        return nil
    }

    public func link(named name: String) -> Result<LinkState?, InspectionFailure> {
        do {
            let client = try InterfaceAddressClient(configuration: .init(namespace: namespace, timeout: timeout))
            return .success(try client.link(named: name).map { LinkState(kind: $0.kind, isUp: $0.isUp) })
        } catch {
            return .failure(Self.failure(error))
        }
    }

    public func stateDirectory(_ path: String) -> DirectoryState {
        var info = stat()
        guard stat(path, &info) == 0 else {
            guard errno == ENOENT else { return .notWritable(String(cString: strerror(errno))) }
            // The nearest ancestor that exists decides whether it can be made.
            var ancestor = path
            while let slash = ancestor.lastIndex(of: "/") {
                ancestor = slash == ancestor.startIndex ? "/" : String(ancestor[..<slash])
                if stat(ancestor, &info) == 0 {
                    return .missing(creatable: (info.st_mode & S_IFMT) == S_IFDIR && access(ancestor, W_OK | X_OK) == 0)
                }
                if ancestor == "/" { break }
            }
            return .missing(creatable: false)
        }
        guard (info.st_mode & S_IFMT) == S_IFDIR else { return .notDirectory }
        // access(2) reports EROFS for a read-only file system, and EACCES for modes.
        guard access(path, W_OK | X_OK) == 0 else { return .notWritable(String(cString: strerror(errno))) }
        do {
            _ = try LedgerStore(directory: path).load()
            return .writable(ledgerProblem: nil)
        } catch {
            return .writable(ledgerProblem: error.description)
        }
    }

    public func bind(host: String, port: UInt16) -> BindOutcome {
        let attempt = { Self.bindOnce(host: host, port: port) }
        guard let namespace else { return attempt() }
        do { return try namespace.perform(attempt) } catch { return .failed(error.message) }
    }

    /// Binds a TCP socket the way the agent's listeners do (`SO_REUSEADDR`) and closes it.
    static func bindOnce(host: String, port: UInt16) -> BindOutcome {
        var hints = addrinfo()
        hints.ai_flags = AI_NUMERICSERV | AI_PASSIVE
        hints.ai_socktype = Int32(SOCK_STREAM.rawValue)
        var found: UnsafeMutablePointer<addrinfo>?
        let status = getaddrinfo(host, String(port), &hints, &found)
        guard status == 0, let address = found else {
            return .failed("\(host) does not resolve: \(String(cString: gai_strerror(status)))")
        }
        defer { freeaddrinfo(found) }
        // Close-on-exec, as every descriptor of ours: a program started meanwhile must not keep the port.
        let descriptor = socket(
            address.pointee.ai_family, address.pointee.ai_socktype | Int32(SOCK_CLOEXEC.rawValue), address.pointee.ai_protocol)
        guard descriptor >= 0 else { return .failed(String(cString: strerror(errno))) }
        defer { close(descriptor) }
        var on: Int32 = 1
        _ = setsockopt(descriptor, SOL_SOCKET, SO_REUSEADDR, &on, socklen_t(MemoryLayout<Int32>.size))
        guard Glibc.bind(descriptor, address.pointee.ai_addr, address.pointee.ai_addrlen) == 0 else {
            return errno == EADDRINUSE ? .inUse : .failed(String(cString: strerror(errno)))
        }
        // A bound port is not yet taken from anyone: listening is what the agent does.
        guard listen(descriptor, 1) == 0 else {
            return errno == EADDRINUSE ? .inUse : .failed(String(cString: strerror(errno)))
        }
        return .free
    }

    public func packetFilter() -> Result<Bool, InspectionFailure> {
        do {
            return .success(try NftablesClient(namespace: namespace).read() != nil)
        } catch {
            // libnftables reports a refusal as text only.
            let denied = error.detail?.contains("Operation not permitted") == true
            return .failure(
                InspectionFailure(
                    denied ? .permissionDenied : error.code == .unavailable ? .unavailable : .other,
                    error.description))
        }
    }

    static func failure(_ error: IPVSError) -> InspectionFailure {
        let kind: InspectionFailure.Kind =
            switch error.code {
            case .ipvsUnavailable: .unavailable
            case .permissionDenied: .permissionDenied
            default: .other
            }
        return InspectionFailure(kind, error.message)
    }

    /// A small text file whole (the /proc and /lib/modules files are; /proc reports size 0, so
    /// it is read to its end), or nil when it cannot be read.
    static func text(of path: String, limit: Int = 16 << 20) -> String? {
        let descriptor = open(path, O_RDONLY | O_CLOEXEC)
        guard descriptor >= 0 else { return nil }
        defer { close(descriptor) }
        var bytes: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 64 * 1024)
        while bytes.count < limit {
            let count = chunk.withUnsafeMutableBytes { read(descriptor, $0.baseAddress, $0.count) }
            if count < 0 && errno == EINTR { continue }
            guard count > 0 else { return count == 0 ? String(decoding: bytes, as: UTF8.self) : nil }
            bytes += chunk[0..<count]
        }
        return String(decoding: bytes, as: UTF8.self)
    }
}
