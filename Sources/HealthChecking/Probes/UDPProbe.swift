import IPVSCore
import NIOCore
import NIOPosix

/// Healthy when one datagram sent to the target gets the expected reply. The socket is
/// connected, so only the target's replies arrive, and an ICMP port unreachable shows as a
/// refusal instead of a timeout.
struct UDPProbe {
    var target: HealthTarget
    var udp: HealthCheck.UDPProbe
    var eventLoopGroup: any EventLoopGroup

    func run() async -> ProbeFailure? {
        let exchange: Exchange
        do {
            exchange = try Exchange(udp)
        } catch {
            return ProbeFailure(.error, "cannot build the DNS query: \(error.message)", underlying: error)
        }
        let channel: NIOAsyncChannel<AddressedEnvelope<ByteBuffer>, ByteBuffer>
        do {
            channel = try await DatagramBootstrap(group: eventLoopGroup)
                .connect(to: target.socketAddress()) { channel in
                    channel.eventLoop.makeCompletedFuture {
                        try NIOAsyncChannel(wrappingChannelSynchronously: channel)
                    }
                }
        } catch {
            return ProbeFailure(network: error, while: "opening a UDP socket")
        }
        do {
            return try await channel.executeThenClose { inbound, outbound in
                try await outbound.write(ByteBuffer(bytes: exchange.request))
                for try await reply in inbound {
                    return exchange.judge(Array(reply.data.readableBytesView))
                }
                return ProbeFailure(.error, "the socket closed before a reply")
            }
        } catch {
            return ProbeFailure(network: error, while: "waiting for a UDP reply")
        }
    }

    /// What to send and how to judge the first reply.
    private struct Exchange: Sendable {
        var request: [UInt8]
        var judge: @Sendable ([UInt8]) -> ProbeFailure?

        init(_ udp: HealthCheck.UDPProbe) throws(DNSNameError) {
            switch udp {
            case .payload(let send, let expect):
                request = send
                judge = { reply in
                    guard let expect, reply.firstRange(of: expect) == nil else { return nil }
                    return ProbeFailure(.unexpectedReply, "a reply of \(reply.count) bytes without the \(expect.count) expected bytes")
                }
            case .dns(let name):
                let query = try DNSQuery(name: name, id: .random(in: .min ... .max))
                request = query.bytes
                judge = { reply in
                    guard !query.isAnswered(by: reply) else { return nil }
                    return ProbeFailure(.unexpectedReply, "a reply of \(reply.count) bytes that is not a response to query \(query.id)")
                }
            }
        }
    }
}
