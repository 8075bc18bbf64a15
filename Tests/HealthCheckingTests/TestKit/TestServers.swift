import NIOCore
import NIOPosix
import NIOSSL
import Synchronization

/// Servers on the loopback interface for the real probes to talk to, started inside the test.
enum TestServers {
    static var group: MultiThreadedEventLoopGroup { .singleton }

    /// A TCP listener that accepts and then says nothing.
    static func silentTCP(host: String = "127.0.0.1") async throws -> Channel {
        try await ServerBootstrap(group: group)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .bind(host: host, port: 0)
            .get()
    }

    /// A TCP listener that never accepts, with its accept queue filled by connections held
    /// open: the kernel drops any further SYN, so a connect to it hangs until it times out.
    /// Close the listener and the held connections after the test.
    static func unansweringTCP() async throws -> (listener: Channel, held: [Channel]) {
        let listener = try await ServerBootstrap(group: group)
            .serverChannelOption(.backlog, value: 0)
            .serverChannelOption(.autoRead, value: false)
            .bind(host: "127.0.0.1", port: 0)
            .get()
        var held: [Channel] = []
        // Backlog 0 holds one or two connections, by kernel version; the first connect that does
        // not complete shows the queue full.
        while held.count < 16 {
            guard
                let client = try? await ClientBootstrap(group: group)
                    .connectTimeout(.milliseconds(300))
                    .connect(to: listener.localAddress!)
                    .get()
            else { return (listener, held) }
            held.append(client)
        }
        throw ChannelError.connectTimeout(.zero)
    }

    /// An HTTP/1.1 server that answers every request with `response` (raw bytes, so that tests
    /// choose every detail) and closes, or never answers when `response` is nil. Requests are
    /// recorded, head only. `atOnce` answers the first bytes received, whatever they are.
    static func http(
        response: String?, tls: NIOSSLContext? = nil, host: String = "127.0.0.1", atOnce: Bool = false
    ) async throws -> (Channel, RequestLog) {
        let log = RequestLog()
        let channel = try await ServerBootstrap(group: group)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .childChannelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    if let tls {
                        try channel.pipeline.syncOperations.addHandler(NIOSSLServerHandler(context: tls))
                    }
                    try channel.pipeline.syncOperations.addHandler(CannedHTTPResponder(response: response, log: log, atOnce: atOnce))
                }
            }
            .bind(host: host, port: 0)
            .get()
        return (channel, log)
    }

    /// A UDP server that answers each datagram with `reply(request)`, or not at all when it
    /// returns nil.
    static func udp(host: String = "127.0.0.1", reply: @escaping @Sendable ([UInt8]) -> [UInt8]?) async throws -> Channel {
        try await DatagramBootstrap(group: group)
            .channelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.addHandler(DatagramResponder(reply: reply))
                }
            }
            .bind(host: host, port: 0)
            .get()
    }

    /// The TLS context of a server with the self-signed test certificate, or with the
    /// certificate ``TestCA`` signed.
    static func tlsServerContext(signedByTestCA: Bool = false) throws -> NIOSSLContext {
        let certificatePEM = signedByTestCA ? TestCA.serverCertificatePEM : TestCertificate.certificatePEM
        let keyPEM = signedByTestCA ? TestCA.serverPrivateKeyPEM : TestCertificate.privateKeyPEM
        let certificate = try NIOSSLCertificate(bytes: Array(certificatePEM.utf8), format: .pem)
        let key = try NIOSSLPrivateKey(bytes: Array(keyPEM.utf8), format: .pem)
        let configuration = TLSConfiguration.makeServerConfiguration(
            certificateChain: [.certificate(certificate)], privateKey: .privateKey(key))
        return try NIOSSLContext(configuration: configuration)
    }
}

extension Channel {
    var port: UInt16 { UInt16(localAddress!.port!) }
}

/// The request heads a test server received.
final class RequestLog: Sendable {
    private let heads = Mutex<[String]>([])

    func append(_ head: String) {
        heads.withLock { $0.append(head) }
    }

    var all: [String] { heads.withLock { $0 } }
}

private final class CannedHTTPResponder: ChannelInboundHandler {
    typealias InboundIn = ByteBuffer
    typealias OutboundOut = ByteBuffer

    let response: String?
    let log: RequestLog
    let atOnce: Bool
    var received: [UInt8] = []
    var answered = false

    init(response: String?, log: RequestLog, atOnce: Bool) {
        self.response = response
        self.log = log
        self.atOnce = atOnce
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        received += unwrapInboundIn(data).readableBytesView
        guard !answered else { return }
        let end = received.firstRange(of: Array("\r\n\r\n".utf8))?.lowerBound ?? (atOnce ? received.endIndex : nil)
        guard let end else { return }
        answered = true
        log.append(String(decoding: received[..<end], as: UTF8.self))
        guard let response else { return }
        context.writeAndFlush(wrapOutboundOut(ByteBuffer(string: response))).whenComplete { [channel = context.channel] _ in
            channel.close(promise: nil)
        }
    }
}

private final class DatagramResponder: ChannelInboundHandler {
    typealias InboundIn = AddressedEnvelope<ByteBuffer>
    typealias OutboundOut = AddressedEnvelope<ByteBuffer>

    let reply: @Sendable ([UInt8]) -> [UInt8]?

    init(reply: @escaping @Sendable ([UInt8]) -> [UInt8]?) {
        self.reply = reply
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let request = unwrapInboundIn(data)
        guard let answer = reply(Array(request.data.readableBytesView)) else { return }
        let envelope = AddressedEnvelope(remoteAddress: request.remoteAddress, data: ByteBuffer(bytes: answer))
        context.writeAndFlush(wrapOutboundOut(envelope), promise: nil)
    }
}
