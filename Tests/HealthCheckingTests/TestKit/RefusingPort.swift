import Glibc

/// A port on 127.0.0.1 at which every TCP connect is refused, or every UDP datagram answered
/// with an ICMP port unreachable, held by this test for as long as it runs.
///
/// A port merely freed (bound, then closed) can be handed at once to a server another test binds
/// in parallel, which then answers the probe that expected a refusal. Here a socket keeps the
/// port taken while answering nothing: a TCP socket bound without `listen` (a SYN finds no
/// listener and gets a reset), or a UDP socket connected to another port (the kernel delivers it
/// only what comes from that peer, so a probe's datagram finds no socket). Keep it alive past the
/// probe: `withExtendedLifetime(port) {}` after it.
final class RefusingPort {
    let port: UInt16
    private let descriptor: Int32

    enum Transport { case tcp, udp }

    init(_ transport: Transport) throws {
        let descriptor = socket(AF_INET, transport == .tcp ? Int32(SOCK_STREAM.rawValue) : Int32(SOCK_DGRAM.rawValue), 0)
        guard descriptor >= 0 else { throw RefusingPortError(call: "socket", errno: errno) }
        self.descriptor = descriptor
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = UInt32(0x7F00_0001).bigEndian
        guard Self.call(descriptor, address, bind) == 0 else { throw RefusingPortError(call: "bind", errno: errno) }
        if transport == .udp {
            // Port 9 (discard) on loopback: a peer that never sends, so nothing is ever delivered.
            var peer = address
            peer.sin_port = UInt16(9).bigEndian
            guard Self.call(descriptor, peer, connect) == 0 else { throw RefusingPortError(call: "connect", errno: errno) }
        }
        var bound = sockaddr_in()
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let named = withUnsafeMutablePointer(to: &bound) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(descriptor, $0, &length) }
        }
        guard named == 0 else { throw RefusingPortError(call: "getsockname", errno: errno) }
        port = UInt16(bigEndian: bound.sin_port)
    }

    deinit { close(descriptor) }

    private static func call(
        _ descriptor: Int32, _ address: sockaddr_in, _ function: (Int32, UnsafePointer<sockaddr>, socklen_t) -> Int32
    ) -> Int32 {
        withUnsafePointer(to: address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                function(descriptor, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
            }
        }
    }
}

struct RefusingPortError: Error, CustomStringConvertible {
    let call: String
    let errno: Int32
    var description: String { "\(call): \(String(cString: strerror(errno)))" }
}
