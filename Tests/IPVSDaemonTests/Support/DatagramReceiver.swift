#if canImport(Glibc)
    import Glibc
#endif

/// A Unix datagram socket standing in for systemd's notify socket.
final class DatagramReceiver {
    let socket: Int32
    /// What to put in `NOTIFY_SOCKET`.
    let notifySocket: String
    private var directory: String?

    /// A socket at a path in a fresh temporary directory.
    convenience init() throws {
        var template = Array("/tmp/ipvsctl-notify-XXXXXX".utf8CString)
        guard let made = template.withUnsafeMutableBufferPointer({ mkdtemp($0.baseAddress!) }) else {
            throw SocketFailure(call: "mkdtemp", errno: errno)
        }
        let directory = String(cString: made)
        try self.init(address: Array("\(directory)/notify".utf8) + [0], notifySocket: "\(directory)/notify")
        self.directory = directory
    }

    /// A socket in the abstract namespace, unique to this process and call.
    convenience init(abstractTag: String) throws {
        let name = "ipvsctl-swift-test-\(getpid())-\(abstractTag)"
        try self.init(address: [0] + Array(name.utf8), notifySocket: "@\(name)")
    }

    private init(address bytes: [UInt8], notifySocket: String) throws {
        self.notifySocket = notifySocket
        socket = Glibc.socket(AF_UNIX, Int32(SOCK_DGRAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        // A safety net: a datagram that never comes fails the test instead of hanging it.
        var timeout = timeval(tv_sec: 10, tv_usec: 0)
        setsockopt(socket, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        var address = sockaddr_un()
        address.sun_family = sa_family_t(AF_UNIX)
        withUnsafeMutableBytes(of: &address.sun_path) { $0.copyBytes(from: bytes) }
        let length = socklen_t(MemoryLayout<sockaddr_un>.offset(of: \.sun_path)! + bytes.count)
        let bound = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(socket, $0, length) }
        }
        guard bound == 0 else {
            let code = errno
            close(socket)
            throw SocketFailure(call: "bind", errno: code)
        }
    }

    deinit {
        close(socket)
        if let directory {
            unlink("\(directory)/notify")
            rmdir(directory)
        }
    }

    /// The next datagram's lines.
    func receiveLines() throws -> [String] {
        var buffer = [UInt8](repeating: 0, count: 4096)
        let count = buffer.withUnsafeMutableBytes { recv(socket, $0.baseAddress, $0.count, 0) }
        guard count >= 0 else { throw SocketFailure(call: "recv", errno: errno) }
        return String(decoding: buffer[0..<count], as: UTF8.self).split(separator: "\n").map(String.init)
    }
}
