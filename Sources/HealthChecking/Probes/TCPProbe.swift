import IPVSCore
import NIOCore
import NIOPosix

/// Healthy when a TCP connection to the target completes; it is closed at once.
struct TCPProbe {
    var target: HealthTarget
    var eventLoopGroup: any EventLoopGroup

    func run() async -> ProbeFailure? {
        do {
            let channel = try await ClientBootstrap(group: eventLoopGroup)
                .connectTimeout(.init(target.check.timeout))
                .connect(to: target.socketAddress())
                .get()
            try? await channel.close()
            return nil
        } catch {
            return ProbeFailure(network: error, while: "connecting")
        }
    }
}
