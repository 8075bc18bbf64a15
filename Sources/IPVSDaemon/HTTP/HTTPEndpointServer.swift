import Logging
import NIOCore
import NIOPosix
import ServiceLifecycle
import Synchronization

/// A small HTTP/1.1 server for the agent's own endpoints (metrics, health), run as a
/// ServiceLifecycle `Service`.
///
/// `GET` and `HEAD` go to the handler, which decides everything about the answer, 404 included;
/// every other method gets 405. Connections are kept alive when the client asks.
///
/// ``run()`` binds, serves until graceful shutdown or cancellation, then closes the listener,
/// closes idle connections, lets requests in progress finish and returns. A failed bind ends
/// ``run()`` with an ``HTTPServerError`` naming the address and port.
public final class HTTPEndpointServer: Service, Sendable {
    /// Answers one request; called concurrently for concurrent connections.
    public typealias Handler = @Sendable (HTTPRequest) async -> HTTPResponse

    public let host: String
    public let port: Int
    public let limits: HTTPLimits
    private let eventLoopGroup: any EventLoopGroup
    private let logger: Logger
    private let handler: Handler
    private let binding = BindingState()

    /// - Parameters:
    ///   - host: the address to listen on, IPv4 (`127.0.0.1`, `0.0.0.0`) or IPv6 (`::1`, `::`);
    ///     names are not resolved.
    ///   - port: the port, or 0 for one the kernel picks (see ``boundPort()``).
    ///   - limits: what clients may take of it (connections, slow heads, bodies).
    public init(
        host: String, port: Int, limits: HTTPLimits = HTTPLimits(),
        eventLoopGroup: any EventLoopGroup = MultiThreadedEventLoopGroup.singleton,
        logger: Logger, handler: @escaping Handler
    ) {
        self.host = host
        self.port = port
        self.limits = limits
        self.eventLoopGroup = eventLoopGroup
        self.logger = logger
        self.handler = handler
    }

    /// The port listened on, once ``run()`` has bound it. Throws the bind error if binding
    /// failed, and ``HTTPServerError/Code/notListening`` if the server stopped first or the
    /// waiting task is cancelled.
    public func boundPort() async throws(HTTPServerError) -> Int {
        try await binding.wait(notListening: notListening()).get()
    }

    public func run() async throws {
        let listener: HTTPListener
        do throws(HTTPServerError) {
            listener = try await HTTPListener.bind(
                host: host, port: port, limits: limits, eventLoopGroup: eventLoopGroup, logger: logger, handler: handler)
        } catch {
            binding.finish(.failure(error))
            throw error
        }
        binding.finish(.success(listener.port))
        let address = HTTPServerError.endpoint(host: host, port: listener.port)
        logger.info("http endpoint listening", metadata: ["address": "\(address)"])
        await withTaskCancellationOrGracefulShutdownHandler {
            await listener.serve()
        } onCancelOrGracefulShutdown: {
            listener.beginClosing()
        }
        binding.finish(.failure(notListening()))
        logger.info("http endpoint stopped", metadata: ["address": "\(address)"])
    }

    private func notListening() -> HTTPServerError {
        let endpoint = HTTPServerError.endpoint(host: host, port: port)
        return HTTPServerError(.notListening, "the server for \(endpoint) is not listening", host: host, port: port)
    }
}

/// The outcome of binding, for callers of ``HTTPEndpointServer/boundPort()`` that arrive before it.
private final class BindingState: Sendable {
    private enum State {
        case waiting([Int: CheckedContinuation<Result<Int, HTTPServerError>, Never>])
        case finished(Result<Int, HTTPServerError>)
    }

    private let state = Mutex<(state: State, nextWaiter: Int)>((.waiting([:]), 0))

    /// Records the first outcome and wakes the waiters; later outcomes only replace a success
    /// (the port is no longer listened on once the server stopped).
    func finish(_ result: Result<Int, HTTPServerError>) {
        let waiters = state.withLock { current -> [CheckedContinuation<Result<Int, HTTPServerError>, Never>] in
            switch current.state {
            case .waiting(let waiters):
                current.state = .finished(result)
                return Array(waiters.values)
            case .finished:
                current.state = .finished(result)
                return []
            }
        }
        for waiter in waiters { waiter.resume(returning: result) }
    }

    func wait(notListening: HTTPServerError) async -> Result<Int, HTTPServerError> {
        let id = state.withLock { current in
            defer { current.nextWaiter += 1 }
            return current.nextWaiter
        }
        return await withTaskCancellationHandler {
            await withCheckedContinuation { continuation in
                let ready: Result<Int, HTTPServerError>? = state.withLock { current in
                    switch current.state {
                    case .finished(let result): return result
                    case .waiting(var waiters):
                        if Task.isCancelled { return .failure(notListening) }
                        waiters[id] = continuation
                        current.state = .waiting(waiters)
                        return nil
                    }
                }
                if let ready { continuation.resume(returning: ready) }
            }
        } onCancel: {
            let waiter = state.withLock { current -> CheckedContinuation<Result<Int, HTTPServerError>, Never>? in
                guard case .waiting(var waiters) = current.state else { return nil }
                let waiter = waiters.removeValue(forKey: id)
                current.state = .waiting(waiters)
                return waiter
            }
            waiter?.resume(returning: .failure(notListening))
        }
    }
}
