import IPVSCore
import NIOCore
import NIOHTTP1
import NIOPosix
import NIOSSL
import Synchronization

/// Healthy when a GET of the check's path answers with an expected status and, when asked, a
/// body that contains the expected text. HTTPS verifies the server's certificate only when the
/// check asks to (its `verification`): by default the probe asks whether the endpoint answers,
/// not who it is.
struct HTTPProbe {
    var target: HealthTarget
    var http: HealthCheck.HTTPProbe
    var eventLoopGroup: any EventLoopGroup
    var maximumBodyBytes: Int
    /// The TLS contexts for HTTPS (shared: building one per probe is costly); a context's
    /// failure to build is the failure of every probe that needs it.
    var tls: TLSContexts

    func run() async -> ProbeFailure? {
        let tlsContext: NIOSSLContext?
        if http.secure {
            switch tls.context(for: http.verification) {
            case .success(let context): tlsContext = context
            case .failure(let error): return ProbeFailure(.error, error.message, underlying: error.underlying)
            }
        } else {
            tlsContext = nil
        }
        let serverName = serverNameIndication
        let handshake = HandshakeErrorRecorder()
        let channel: NIOAsyncChannel<HTTPClientResponsePart, HTTPClientRequestPart>
        do {
            channel = try await ClientBootstrap(group: eventLoopGroup)
                .connectTimeout(.init(target.check.timeout))
                .connect(to: target.socketAddress()) { channel in
                    channel.eventLoop.makeCompletedFuture {
                        if let tlsContext {
                            let handler = try NIOSSLClientHandler(context: tlsContext, serverHostname: serverName)
                            try channel.pipeline.syncOperations.addHandler(handler)
                            try channel.pipeline.syncOperations.addHandler(handshake)
                        }
                        try channel.pipeline.syncOperations.addHTTPClientHandlers()
                        return try NIOAsyncChannel(wrappingChannelSynchronously: channel)
                    }
                }
        } catch {
            return handshake.failure(serverName: serverName) ?? ProbeFailure(tls: error, serverName: serverName)
                ?? ProbeFailure(network: error, while: "connecting")
        }
        do {
            return try await channel.executeThenClose { inbound, outbound in
                // One write: a server may answer the head and close at once, and an end sent
                // on its own after that fails on the closed channel, losing the answer.
                try await outbound.write(contentsOf: [.head(requestHead), .end(nil)])
                var reader = ResponseReader(http: http, maximumBodyBytes: maximumBodyBytes)
                for try await part in inbound {
                    if let verdict = reader.read(part) { return verdict.failure }
                }
                return ProbeFailure(.error, "connection closed before the response was complete")
            }
        } catch {
            return handshake.failure(serverName: serverName) ?? ProbeFailure(tls: error, serverName: serverName)
                ?? ProbeFailure(network: error, while: "requesting \(http.path)")
        }
    }

    private var requestHead: HTTPRequestHead {
        var headers = HTTPHeaders()
        headers.add(name: "Host", value: hostHeader)
        headers.add(name: "User-Agent", value: "ipvsctl-swift-health")
        headers.add(name: "Accept", value: "*/*")
        // One request per connection: the probe wants a fresh answer, not a kept-alive socket.
        headers.add(name: "Connection", value: "close")
        let uri = http.path.hasPrefix("/") ? http.path : "/" + http.path
        return HTTPRequestHead(version: .http1_1, method: .GET, uri: uri, headers: headers)
    }

    /// The check's host, else the target's address (IPv6 in brackets) and, when it is not the
    /// scheme's default, its port.
    private var hostHeader: String {
        if let host = http.host { return host }
        let address =
            switch target.address {
            case .v4(let v4): v4.description
            case .v6(let v6): "[\(v6)]"
            }
        let defaultPort: UInt16 = http.secure ? 443 : 80
        return target.port == defaultPort ? address : "\(address):\(target.port)"
    }

    /// The name verified, else the host's; SNI carries names only: nil when the check names
    /// neither, or names an address.
    private var serverNameIndication: String? {
        http.verification?.serverName ?? http.hostName
    }
}

/// Keeps the first error the TLS handler reports. A refused certificate closes the channel at
/// once: the request's write or read then fails with "I/O on closed channel", which says nothing
/// of the certificate, so the probe asks this handler what happened first.
private final class HandshakeErrorRecorder: ChannelInboundHandler, Sendable {
    typealias InboundIn = NIOAny

    private let first = Mutex<(any Error)?>(nil)

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        first.withLock { $0 = $0 ?? error }
        context.fireErrorCaught(error)
    }

    /// The TLS failure seen, if the first error was one.
    func failure(serverName: String?) -> ProbeFailure? {
        first.withLock { $0 }.flatMap { ProbeFailure(tls: $0, serverName: serverName) }
    }
}

/// Follows one response part by part and decides as early as it can: on the status line when
/// no body check is asked for, else as soon as the text is found or the body ends.
struct ResponseReader {
    enum Verdict {
        case healthy
        case failed(ProbeFailure)

        var failure: ProbeFailure? {
            if case .failed(let failure) = self { failure } else { nil }
        }
    }

    var http: HealthCheck.HTTPProbe
    var maximumBodyBytes: Int
    private var body: [UInt8] = []
    private var status: UInt = 0

    init(http: HealthCheck.HTTPProbe, maximumBodyBytes: Int) {
        self.http = http
        self.maximumBodyBytes = maximumBodyBytes
    }

    /// The verdict once this part settles it, else nil.
    mutating func read(_ part: HTTPClientResponsePart) -> Verdict? {
        switch part {
        case .head(let head):
            status = head.status.code
            guard http.expectedStatus.contains(Int(status)) else {
                let range = "\(http.expectedStatus.lowerBound)...\(http.expectedStatus.upperBound)"
                return .failed(ProbeFailure(.unexpectedStatus, "status \(status) is outside \(range)"))
            }
            return http.bodyContains == nil ? .healthy : nil
        case .body(let buffer):
            let room = max(0, maximumBodyBytes - body.count)
            body += buffer.readableBytesView.prefix(room)
            if found { return .healthy }
            return body.count >= maximumBodyBytes ? mismatch : nil
        case .end:
            return found ? .healthy : mismatch
        }
    }

    private var found: Bool {
        guard let expected = http.bodyContains else { return true }
        return body.firstRange(of: Array(expected.utf8)) != nil
    }

    private var mismatch: Verdict {
        let searched = body.count >= maximumBodyBytes ? "its first \(maximumBodyBytes) bytes" : "\(body.count) bytes"
        return .failed(
            ProbeFailure(.bodyMismatch, "the body (status \(status), \(searched)) does not contain \"\(http.bodyContains ?? "")\""))
    }
}
