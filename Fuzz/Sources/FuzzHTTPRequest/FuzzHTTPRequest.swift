import Dispatch
import FuzzSupport
import NIOCore
import NIOEmbedded
import NIOHTTP1

@testable import IPVSDaemon  // HTTPListener.respond, HealthPortStatus.response

/// Bytes a client sends to the agent's `/metrics` endpoint or to a health port: through the
/// same NIO pipeline as HTTPListener's connections (`configureHTTPServerPipeline`, with its
/// protocol-error handler), in an EmbeddedChannel (no socket), each complete request answered
/// by HTTPListener's `respond` with the agent's real handlers.
///
/// The first input byte picks the endpoint: even the metrics endpoint (AgentEndpoints), odd a
/// health port (HealthPortStatus, with or without local endpoints). The rest is the request
/// stream, pipelined requests included.
///
/// Properties: every answer is 200, 404, 405 or 503 from our handler (400 or 431 come from NIO
/// for malformed requests); its `Content-Length` is the body's length; `HEAD` gets no body;
/// a request without keep-alive ends the connection; the exchange ends (no hang).
@main
enum FuzzHTTPRequest {
    static func main() { runLibFuzzer { data, size in fuzzOne(data, size) } }
}

let metrics = AgentMetrics(version: "fuzz")
let status = AgentStatus(loopStallBound: .seconds(60))
let endpoints = AgentEndpoints(metrics: metrics, status: status) { Array("ipvs_fuzz_traffic 1\n".utf8) }
let metricsHandler: HTTPEndpointServer.Handler = { request in
    let answer = endpoints.answer(path: request.path)
    return HTTPResponse(status: answer.status, contentType: answer.contentType, body: answer.body)
}
let healthyPort: HTTPEndpointServer.Handler = { _ in HealthPortStatus(serviceName: "default/web", localEndpoints: 2).response }
let emptyPort: HTTPEndpointServer.Handler = { _ in HealthPortStatus(serviceName: "web", localEndpoints: 0).response }

/// Collects the request parts NIO's decoder delivers.
final class Collector: ChannelInboundHandler {
    typealias InboundIn = HTTPServerRequestPart
    var parts: [HTTPServerRequestPart] = []
    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        parts.append(unwrapInboundIn(data))
    }
}

/// The answer `HTTPListener.respond` gives, awaited from synchronous code (the handlers never
/// suspend for long).
func respond(to head: HTTPRequestHead, keepAlive: Bool, handler: @escaping HTTPEndpointServer.Handler) -> [HTTPServerResponsePart] {
    final class Outcome: @unchecked Sendable {
        let done = DispatchSemaphore(value: 0)
        var parts: [HTTPServerResponsePart] = []
    }
    let outcome = Outcome()
    Task.detached {
        outcome.parts = await HTTPListener.respond(to: head, keepAlive: keepAlive, handler: handler)
        outcome.done.signal()
    }
    outcome.done.wait()
    return outcome.parts
}

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzOne(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    let input = fuzzInput(data, size)
    guard let selector = input.first else { return 0 }
    let handler = selector & 1 == 0 ? metricsHandler : (selector & 2 == 0 ? healthyPort : emptyPort)

    let channel = EmbeddedChannel()
    let collector = Collector()
    do {
        try channel.pipeline.syncOperations.configureHTTPServerPipeline(withErrorHandling: true)
        try channel.pipeline.syncOperations.addHandler(collector)
    } catch {
        require(false, "the pipeline cannot be set up: \(error)")
    }
    defer { _ = try? channel.finish(acceptAlreadyClosed: true) }

    _ = try? channel.writeInbound(ByteBuffer(bytes: input.dropFirst()))
    var head: HTTPRequestHead?
    var answered = 0
    var connectionEnds = false
    // Answering a request releases the next pipelined one, so loop until nothing is left.
    while !collector.parts.isEmpty, !connectionEnds {
        let part = collector.parts.removeFirst()
        switch part {
        case .head(let requestHead):
            head = requestHead
        case .body:
            continue
        case .end:
            guard let requestHead = head else { continue }
            head = nil
            let keepAlive = requestHead.isKeepAlive
            let parts = respond(to: requestHead, keepAlive: keepAlive, handler: handler)
            check(parts, for: requestHead)
            answered += 1
            for part in parts { channel.write(part, promise: nil) }
            channel.flush()
            channel.embeddedEventLoop.run()
            connectionEnds = !keepAlive
        }
        require(answered <= size, "\(answered) answers to \(size) bytes")
    }
    // Whatever went out must be HTTP responses.
    var written: [UInt8] = []
    while let buffer = try? channel.readOutbound(as: ByteBuffer.self) {
        written += buffer.readableBytesView
    }
    if !written.isEmpty {
        require(written.starts(with: Array("HTTP/".utf8)), "the output does not start with a status line")
        for status in statusCodes(in: written) {
            require([200, 400, 404, 405, 431, 503].contains(status), "status \(status) sent")
        }
    }
    return 0
}

/// Checks one response of ours: status, Content-Length, no body for HEAD.
func check(_ parts: [HTTPServerResponsePart], for request: HTTPRequestHead) {
    guard case .head(let head)? = parts.first, case .end? = parts.last else {
        require(false, "a response is not head ... end: \(parts)")
        return
    }
    require([200, 404, 405, 503].contains(head.status.code), "\(request.method) \(request.uri) answered \(head.status.code)")
    var bodyLength = 0
    for part in parts {
        if case .body(.byteBuffer(let buffer)) = part { bodyLength += buffer.readableBytes }
    }
    let declared = head.headers["Content-Length"].first.flatMap { Int($0) }
    require(declared != nil, "no Content-Length")
    if request.method == .HEAD {
        require(bodyLength == 0, "HEAD answered with a body of \(bodyLength) bytes")
    } else {
        require(declared == bodyLength, "Content-Length \(String(describing: declared)) for a body of \(bodyLength) bytes")
    }
}

/// The status codes of the status lines in `bytes` (lines that start with `HTTP/1.`).
func statusCodes(in bytes: [UInt8]) -> [Int] {
    var codes: [Int] = []
    let text = String(decoding: bytes, as: UTF8.self)
    for line in text.split(separator: "\r\n", omittingEmptySubsequences: true) where line.hasPrefix("HTTP/1.") {
        let fields = line.split(separator: " ")
        if fields.count >= 2, let code = Int(fields[1]) { codes.append(code) }
    }
    return codes
}
