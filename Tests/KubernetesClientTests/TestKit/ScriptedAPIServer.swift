import NIOCore
import NIOHTTP1
import NIOPosix
import NIOSSL
import Synchronization

/// A request as the scripted server saw it.
struct RecordedRequest: Sendable {
    var path: String
    var query: [String: String]
    var authorization: String?
    var accept: String?

    var isWatch: Bool { query["watch"] == "1" }
}

/// What the scripted server answers one request with.
enum ScriptedResponse: Sendable {
    /// A whole body with `Content-Length`.
    case json(status: Int, body: String)
    /// A chunked 200 body written piece by piece, `pause` apart, then `ending`.
    case stream(chunks: [String], pause: Duration = .milliseconds(10), ending: StreamEnding)

    enum StreamEnding: Sendable {
        /// The last chunk: the body ends cleanly.
        case finish
        /// The connection is closed mid-body.
        case drop
        /// Nothing more: the body stays open until the client goes.
        case hold
    }

    static func lines(_ lines: [String], ending: StreamEnding = .finish) -> ScriptedResponse {
        .stream(chunks: lines.map { $0 + "\n" }, ending: ending)
    }
}

/// An HTTP(S) API server on 127.0.0.1 and a random port that answers from a script, one
/// request at a time, and records every request.
final class ScriptedAPIServer: Sendable {
    typealias Script = @Sendable (RecordedRequest, _ index: Int) -> ScriptedResponse

    private let channel: any Channel
    private let log: RequestLog
    let port: Int
    let scheme: String

    var url: String { "\(scheme)://127.0.0.1:\(port)" }
    var requests: [RecordedRequest] { log.requests.withLock { $0 } }

    private init(channel: any Channel, log: RequestLog, scheme: String) {
        self.channel = channel
        self.log = log
        self.port = channel.localAddress!.port!
        self.scheme = scheme
    }

    /// - Parameters:
    ///   - tls: serve HTTPS with the test server certificate; `requireClientCertificate`
    ///     refuses clients without one signed by the test CA.
    ///   - script: the answer to the request numbered `index` (from 0, all paths together).
    static func start(
        tls: Bool = false, requireClientCertificate: Bool = false,
        script: @escaping Script
    ) async throws -> ScriptedAPIServer {
        let log = RequestLog()
        let sslContext = tls ? try makeServerContext(requireClientCertificate: requireClientCertificate) : nil
        let box = ScriptBox(
            script: script,
            recorder: { request in
                log.requests.withLock { requests in
                    requests.append(request)
                    return requests.count - 1
                }
            })
        let channel = try await ServerBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .childChannelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    let pipeline = channel.pipeline.syncOperations
                    if let sslContext { try pipeline.addHandler(NIOSSLServerHandler(context: sslContext)) }
                    try pipeline.configureHTTPServerPipeline()
                    try pipeline.addHandler(ScriptedHandler(box: box))
                }
            }
            .bind(host: "127.0.0.1", port: 0)
            .get()
        return ScriptedAPIServer(channel: channel, log: log, scheme: tls ? "https" : "http")
    }

    func stop() async {
        try? await channel.close()
    }

    private static func makeServerContext(requireClientCertificate: Bool) throws -> NIOSSLContext {
        let certificate = try NIOSSLCertificate(bytes: Array(TestCertificates.serverCertificatePEM.utf8), format: .pem)
        let key = try NIOSSLPrivateKey(bytes: Array(TestCertificates.serverKeyPEM.utf8), format: .pem)
        var configuration = TLSConfiguration.makeServerConfiguration(
            certificateChain: [.certificate(certificate)],
            privateKey: .privateKey(key))
        if requireClientCertificate {
            let authority = try NIOSSLCertificate(bytes: Array(TestCertificates.authorityPEM.utf8), format: .pem)
            configuration.trustRoots = .certificates([authority])
            configuration.certificateVerification = .noHostnameVerification
        }
        return try NIOSSLContext(configuration: configuration)
    }
}

private final class RequestLog: Sendable {
    let requests = Mutex<[RecordedRequest]>([])
}

private struct ScriptBox: Sendable {
    let script: ScriptedAPIServer.Script
    let recorder: @Sendable (RecordedRequest) -> Int
}

private final class ScriptedHandler: ChannelInboundHandler {
    typealias InboundIn = HTTPServerRequestPart
    typealias OutboundOut = HTTPServerResponsePart

    let box: ScriptBox
    var request: RecordedRequest?

    init(box: ScriptBox) {
        self.box = box
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        switch unwrapInboundIn(data) {
        case .head(let head):
            request = Self.record(head)
        case .body:
            break
        case .end:
            guard let request else { return }
            self.request = nil
            let index = box.recorder(request)
            respond(box.script(request, index), context: context)
        }
    }

    private static func record(_ head: HTTPRequestHead) -> RecordedRequest {
        let parts = head.uri.split(separator: "?", maxSplits: 1)
        var query: [String: String] = [:]
        if parts.count == 2 {
            for pair in parts[1].split(separator: "&") {
                let nameValue = pair.split(separator: "=", maxSplits: 1)
                let value = nameValue.count == 2 ? String(nameValue[1]).removingPercentEncodingForTest() : ""
                query[String(nameValue[0])] = value
            }
        }
        return RecordedRequest(
            path: String(parts.first ?? ""), query: query,
            authorization: head.headers.first(name: "Authorization"),
            accept: head.headers.first(name: "Accept"))
    }

    private func respond(_ response: ScriptedResponse, context: ChannelHandlerContext) {
        switch response {
        case .json(let status, let body):
            var headers = HTTPHeaders([("Content-Type", "application/json"), ("Content-Length", "\(body.utf8.count)")])
            headers.add(name: "Connection", value: "close")
            context.write(
                wrapOutboundOut(
                    .head(
                        HTTPResponseHead(
                            version: .http1_1, status: .init(statusCode: status),
                            headers: headers))), promise: nil)
            context.write(wrapOutboundOut(.body(.byteBuffer(ByteBuffer(string: body)))), promise: nil)
            context.writeAndFlush(wrapOutboundOut(.end(nil))).whenComplete { [channel = context.channel] _ in
                channel.close(promise: nil)
            }
        case .stream(let chunks, let pause, let ending):
            let headers = HTTPHeaders([
                ("Content-Type", "application/json"), ("Transfer-Encoding", "chunked"),
                ("Connection", "close"),
            ])
            context.writeAndFlush(
                wrapOutboundOut(.head(HTTPResponseHead(version: .http1_1, status: .ok, headers: headers))),
                promise: nil)
            writeChunks(chunks[...], pause: pause, ending: ending, context: context)
        }
    }

    private func writeChunks(
        _ chunks: ArraySlice<String>, pause: Duration, ending: ScriptedResponse.StreamEnding,
        context: ChannelHandlerContext
    ) {
        guard context.channel.isActive else { return }
        guard let chunk = chunks.first else {
            switch ending {
            case .finish:
                context.writeAndFlush(wrapOutboundOut(.end(nil))).whenComplete { [channel = context.channel] _ in
                    channel.close(promise: nil)
                }
            case .drop:
                context.close(promise: nil)
            case .hold:
                break
            }
            return
        }
        context.writeAndFlush(wrapOutboundOut(.body(.byteBuffer(ByteBuffer(string: chunk)))), promise: nil)
        context.eventLoop.assumeIsolated().scheduleTask(
            in: .nanoseconds(
                Int64(pause.components.attoseconds / 1_000_000_000)
                    + pause.components.seconds * 1_000_000_000)
        ) {
            self.writeChunks(chunks.dropFirst(), pause: pause, ending: ending, context: context)
        }
    }
}

extension String {
    /// `%XX` decoded, enough for the query values the client sends.
    func removingPercentEncodingForTest() -> String {
        var bytes: [UInt8] = []
        var iterator = utf8.makeIterator()
        while let byte = iterator.next() {
            if byte == UInt8(ascii: "%"), let high = iterator.next(), let low = iterator.next(),
                let value = UInt8(String(decoding: [high, low], as: UTF8.self), radix: 16)
            {
                bytes.append(value)
            } else {
                bytes.append(byte)
            }
        }
        return String(decoding: bytes, as: UTF8.self)
    }
}
