import Foundation

/// A director namespace with backend namespaces behind veth pairs, each backend serving HTTP
/// with `busybox httpd` and answering its own name, and a client namespace when asked: real
/// packets, real NAT, in one VM.
///
/// Backend i sits on 203.0.113.(4i+2)/30, the director's side of its link on 203.0.113.(4i+1);
/// the backend's default route points back at the director so masqueraded replies return.
final class LabTopology {
    let director: String
    private(set) var backends: [String] = []
    /// The running HTTP servers by backend index (busybox httpd in the foreground).
    private var servers: [Int: Process] = [:]

    init() throws {
        director = "ipvsctl-dir-\(UInt32.random(in: 0...UInt32.max))"
        try Shell.run("ip", "netns", "add", director)
        try Shell.run("ip", "-n", director, "link", "set", "lo", "up")
    }

    /// The address of backend `index` (its endpoint address in configs).
    static func backendAddress(_ index: Int) -> String { "203.0.113.\(4 * index + 2)" }

    /// Adds a backend namespace serving `GET /` with its name on port 8080.
    @discardableResult
    func addBackend(named label: String) throws -> String {
        let index = backends.count
        let namespace = "\(director)-b\(index)"
        let hostSide = "vb\(index)"
        try Shell.run("ip", "netns", "add", namespace)
        backends.append(namespace)
        try Shell.run("ip", "-n", director, "link", "add", hostSide, "type", "veth", "peer", "name", "eth0", "netns", namespace)
        try Shell.run("ip", "-n", director, "addr", "add", "203.0.113.\(4 * index + 1)/30", "dev", hostSide)
        try Shell.run("ip", "-n", director, "link", "set", hostSide, "up")
        try Shell.run("ip", "-n", namespace, "link", "set", "lo", "up")
        try Shell.run("ip", "-n", namespace, "addr", "add", "\(Self.backendAddress(index))/30", "dev", "eth0")
        try Shell.run("ip", "-n", namespace, "link", "set", "eth0", "up")
        try Shell.run("ip", "-n", namespace, "route", "add", "default", "via", "203.0.113.\(4 * index + 1)")
        let root = "/tmp/\(namespace)"
        try FileManager.default.createDirectory(atPath: root, withIntermediateDirectories: true)
        try (label + "\n").write(toFile: root + "/index.html", atomically: true, encoding: .utf8)
        try startServer(index)
        return namespace
    }

    /// The client namespace, once ``addClient()`` made it.
    private(set) var client: String?
    static let clientAddress = "192.0.2.2"

    /// Adds a client namespace on 192.0.2.2/30 behind the director's 192.0.2.1, its default
    /// route through the director, which forwards (masqueraded replies go back to it that way):
    /// traffic that arrives at the director from outside, as a pod's does.
    @discardableResult
    func addClient() throws -> String {
        let namespace = "\(director)-c"
        try Shell.run("ip", "netns", "add", namespace)
        client = namespace
        try Shell.run("ip", "-n", director, "link", "add", "vc", "type", "veth", "peer", "name", "eth0", "netns", namespace)
        try Shell.run("ip", "-n", director, "addr", "add", "192.0.2.1/30", "dev", "vc")
        try Shell.run("ip", "-n", director, "link", "set", "vc", "up")
        try Shell.run("ip", "-n", namespace, "link", "set", "lo", "up")
        try Shell.run("ip", "-n", namespace, "addr", "add", "\(Self.clientAddress)/30", "dev", "eth0")
        try Shell.run("ip", "-n", namespace, "link", "set", "eth0", "up")
        try Shell.run("ip", "-n", namespace, "route", "add", "default", "via", "192.0.2.1")
        try Shell.run("ip", "netns", "exec", director, "sysctl", "-qw", "net.ipv4.ip_forward=1")
        return namespace
    }

    /// The IPv6 address ``addIPv6()`` gives backend `index`.
    static func backendAddress6(_ index: Int) -> String { "2001:db8:b:\(index)::2" }
    static let clientAddress6 = "2001:db8:c::2"

    /// Gives every backend link, and the client's, an IPv6 /64 beside its IPv4 /30 (the
    /// director's side ::1, the other ::2, default routes through the director), and lets the
    /// director forward IPv6.
    func addIPv6() throws {
        var links = backends.indices.map { (namespace: backends[$0], hostSide: "vb\($0)", prefix: "2001:db8:b:\($0)::") }
        if let client { links.append((client, "vc", "2001:db8:c::")) }
        for link in links {
            try Shell.run("ip", "-n", director, "addr", "add", "\(link.prefix)1/64", "dev", link.hostSide, "nodad")
            try Shell.run("ip", "-n", link.namespace, "addr", "add", "\(link.prefix)2/64", "dev", "eth0", "nodad")
            try Shell.run("ip", "-n", link.namespace, "-6", "route", "add", "default", "via", "\(link.prefix)1")
        }
        try Shell.run("ip", "netns", "exec", director, "sysctl", "-qw", "net.ipv6.conf.all.forwarding=1")
    }

    /// (Re)starts backend `index`'s HTTP server.
    func startServer(_ index: Int) throws {
        let namespace = backends[index]
        // In the foreground, with no pipes: a daemon would outlive our bookkeeping.
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["ip", "netns", "exec", namespace, "busybox", "httpd", "-f", "-p", "8080", "-h", "/tmp/\(namespace)"]
        process.standardInput = FileHandle.nullDevice
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        try process.runWithDefaultSignalMask()
        servers[index] = process
        // Wait until it listens, so the first request does not race its start.
        for _ in 0..<50 {
            if let listening = try? Shell.run("ip", "netns", "exec", namespace, "ss", "-ltn"), listening.contains(":8080") { return }
            usleep(100_000)
        }
    }

    /// Stops backend `index`'s HTTP server: connections to it are refused from now on.
    func stopServer(_ index: Int) throws {
        guard let process = servers.removeValue(forKey: index) else { return }
        kill(process.processIdentifier, SIGKILL)
    }

    /// `GET http://address:port/` from the director (curl: busybox wget crashes in the lab); the body (a backend's name) or nil when the
    /// connection failed (refused, reset or timed out).
    func get(_ address: String, port: UInt16 = 80) -> String? {
        let host = address.contains(":") ? "[\(address)]" : address
        guard let result = try? Shell.runCapturing(["ip", "netns", "exec", director, "curl", "-sS", "-m", "3", "http://\(host):\(port)/"]),
            result.status == 0
        else { return nil }
        return result.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
    }

    /// The raw outcome of a request: curl's exit status (7: the connection was refused; 28: it
    /// timed out) and its message.
    func attempt(_ address: String, port: UInt16 = 80) -> (status: Int32, stderr: String) {
        let result = try? Shell.runCapturing(["ip", "netns", "exec", director, "curl", "-sS", "-m", "3", "http://\(address):\(port)/"])
        return (result?.status ?? -1, result?.stderr ?? "")
    }

    func tearDown() {
        // Empty the table first: see LabNamespace on why a namespace must not leave services behind.
        _ = try? Shell.run("ip", "netns", "exec", director, "ipvsadm", "-C")
        for index in backends.indices { try? stopServer(index) }
        for namespace in backends + [client].compactMap({ $0 }) { _ = try? Shell.run("ip", "netns", "delete", namespace) }
        _ = try? Shell.run("ip", "netns", "delete", director)
    }
}
