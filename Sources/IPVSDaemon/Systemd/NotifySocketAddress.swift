#if canImport(Glibc)
    import Glibc
#endif

/// The `sockaddr_un` of a `NOTIFY_SOCKET` value, and the one-datagram send to it.
struct NotifySocketAddress {
    let text: String
    private let address: sockaddr_un
    private let length: socklen_t

    /// An absolute path, or `@name` for the abstract namespace, where the name starts with a
    /// NUL byte instead of `@` and the address length, not a terminating NUL, ends it.
    init(_ text: String) throws(SystemdNotifyError) {
        self.text = text
        let isAbstract = text.hasPrefix("@")
        guard isAbstract || text.hasPrefix("/"), !text.utf8.contains(0) else {
            throw SystemdNotifyError(
                .invalidSocketAddress, "NOTIFY_SOCKET is neither an absolute path nor an abstract @name",
                socket: text)
        }
        let bytes: [UInt8] = isAbstract ? [0] + Array(text.utf8.dropFirst()) : Array(text.utf8) + [0]
        var address = sockaddr_un()
        let capacity = MemoryLayout.size(ofValue: address.sun_path)
        guard bytes.count <= capacity else {
            throw SystemdNotifyError(
                .invalidSocketAddress, "NOTIFY_SOCKET is longer than a Unix socket address allows (\(capacity) bytes)",
                socket: text)
        }
        address.sun_family = sa_family_t(AF_UNIX)
        withUnsafeMutableBytes(of: &address.sun_path) { $0.copyBytes(from: bytes) }
        self.address = address
        self.length = socklen_t(MemoryLayout<sockaddr_un>.offset(of: \.sun_path)! + bytes.count)
    }

    /// One datagram on a fresh socket, the way `sd_notify` does it: nothing to keep open, and
    /// nothing that breaks when systemd re-creates its socket.
    func sendDatagram(_ payload: [UInt8]) throws(SystemdNotifyError) {
        let descriptor = socket(AF_UNIX, Int32(SOCK_DGRAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard descriptor >= 0 else {
            throw SystemdNotifyError(.socketFailed, "cannot create a Unix datagram socket", socket: text, errno: errno)
        }
        defer { close(descriptor) }
        var address = self.address
        var sent: Int
        repeat {
            sent = payload.withUnsafeBytes { bytes in
                withUnsafePointer(to: &address) { pointer in
                    pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                        sendto(descriptor, bytes.baseAddress, bytes.count, Int32(MSG_DONTWAIT | MSG_NOSIGNAL), $0, length)
                    }
                }
            }
        } while sent < 0 && errno == EINTR
        guard sent == payload.count else {
            throw SystemdNotifyError(
                .sendFailed, "systemd notification not delivered", socket: text,
                errno: sent < 0 ? errno : nil)
        }
    }
}
