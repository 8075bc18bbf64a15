/// A socket's buffer sizes, as asked for and as granted (`SO_SNDBUF`/`SO_RCVBUF` read back).
///
/// Linux reports twice the size it was given (the other half is its bookkeeping), so a request
/// was met when the granted figure is at least the one asked for. Without `CAP_NET_ADMIN`
/// (`SO_*BUFFORCE`) the grant is capped by `net.core.wmem_max` and `net.core.rmem_max`.
public struct SocketBuffers: Hashable, Sendable {
    public var sendAsked: Int
    public var sendGranted: Int
    public var receiveAsked: Int
    public var receiveGranted: Int

    public init(sendAsked: Int, sendGranted: Int, receiveAsked: Int, receiveGranted: Int) {
        self.sendAsked = sendAsked
        self.sendGranted = sendGranted
        self.receiveAsked = receiveAsked
        self.receiveGranted = receiveGranted
    }

    public var sendMet: Bool { sendGranted >= sendAsked }
    public var receiveMet: Bool { receiveGranted >= receiveAsked }
}
