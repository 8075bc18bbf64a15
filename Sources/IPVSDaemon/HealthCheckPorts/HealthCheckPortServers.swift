import Logging
import NIOCore
import NIOPosix
import ServiceLifecycle
import Synchronization

#if canImport(Glibc)
    import Glibc
#endif

/// The per-service health ports of `externalTrafficPolicy: Local` services, like kube-proxy's
/// healthCheckNodePort: an external load balancer probes each node and sends a service's traffic
/// only to nodes that answer 200, that is nodes with a local endpoint.
///
/// The set of ports follows ``update(_:)``: new ports are opened, removed ones closed, and every
/// request on a port, whatever its path, is answered from the latest status. A port that cannot
/// be opened is logged and returned without stopping the others, and tried again on the next
/// update that still lists it.
///
/// ``run()`` serves the listeners until graceful shutdown or cancellation, then closes them all.
public final class HealthCheckPortServers: Service, Sendable {
    private struct State {
        var listeners: [UInt16: HTTPListener] = [:]
        var stopped = false
    }

    /// The address the ports listen on; nil: every address of the node.
    public let host: String?
    /// What clients may take of each port.
    public let limits: HTTPLimits
    private let eventLoopGroup: any EventLoopGroup
    private let logger: Logger
    private let state = Mutex(State())
    /// The latest statuses, read by every request; apart from ``state`` so that the listeners'
    /// handlers hold only this, not the servers.
    private let statuses = StatusBoard()
    /// Listeners opened by ``update(_:)``, for ``run()`` to serve.
    private let opened: (stream: AsyncStream<HTTPListener>, continuation: AsyncStream<HTTPListener>.Continuation)

    public init(
        host: String? = nil, limits: HTTPLimits = HTTPLimits(),
        eventLoopGroup: any EventLoopGroup = MultiThreadedEventLoopGroup.singleton, logger: Logger
    ) {
        self.host = host
        self.limits = limits
        self.eventLoopGroup = eventLoopGroup
        self.logger = logger
        self.opened = AsyncStream.makeStream()
    }

    /// The ports listened on now.
    public var listeningPorts: Set<UInt16> {
        state.withLock { Set($0.listeners.keys) }
    }

    /// Makes the open ports and their answers match `ports`. Returns once removed ports are
    /// closed and new ones are listening or have failed; the failures are returned (and logged).
    /// Does nothing after shutdown.
    ///
    /// Meant to be called after each reconcile, from one task. Concurrent calls are safe, but a
    /// port that one removes while another adds it back may report a bind failure until the next.
    @discardableResult
    public func update(_ ports: [UInt16: HealthPortStatus]) async -> [HealthPortFailure] {
        let (closing, opening) = state.withLock { state -> ([UInt16: HTTPListener], [UInt16]) in
            guard !state.stopped else { return ([:], []) }
            statuses.replace(with: ports)
            let closing = state.listeners.filter { ports[$0.key] == nil }
            for port in closing.keys { state.listeners[port] = nil }
            return (closing, ports.keys.filter { state.listeners[$0] == nil }.sorted())
        }
        for (port, listener) in closing {
            await listener.close()
            logger.info("health port closed", metadata: ["port": "\(port)"])
        }
        var failures: [HealthPortFailure] = []
        for port in opening {
            if let failure = await open(port, serviceName: ports[port]?.serviceName ?? "") {
                failures.append(failure)
            }
        }
        return failures
    }

    public func run() async {
        await withTaskCancellationOrGracefulShutdownHandler {
            await withDiscardingTaskGroup { group in
                for await listener in opened.stream {
                    group.addTask { await listener.serve() }
                }
            }
        } onCancelOrGracefulShutdown: {
            self.stop()
        }
        logger.info("health ports stopped")
    }

    private func open(_ port: UInt16, serviceName: String) async -> HealthPortFailure? {
        let listener: HTTPListener
        do throws(HTTPServerError) {
            listener = try await bind(port)
        } catch {
            logger.warning(
                "health port not opened",
                metadata: [
                    "port": "\(port)", "service": "\(serviceName)", "error": "\(error)",
                ])
            return HealthPortFailure(port: port, serviceName: serviceName, error: error)
        }
        // A concurrent update or shutdown may have changed the plan while this one was binding.
        let kept = state.withLock { state in
            guard !state.stopped, state.listeners[port] == nil, statuses[port] != nil else {
                return false
            }
            state.listeners[port] = listener
            return true
        }
        guard kept else {
            await listener.close()
            return nil
        }
        opened.continuation.yield(listener)
        logger.info(
            "health port listening",
            metadata: [
                "port": "\(port)", "service": "\(serviceName)", "host": "\(listener.host)",
            ])
        return nil
    }

    /// Binds `port` on ``host``, or on every address: `::` (both families, since Linux maps IPv4
    /// onto an IPv6 socket unless `bindv6only` is set), or `0.0.0.0` where IPv6 is disabled.
    private func bind(_ port: UInt16) async throws(HTTPServerError) -> HTTPListener {
        let answer: HTTPEndpointServer.Handler = { [statuses] _ in
            statuses[port]?.response ?? .text("no service on this port\n", status: 503)
        }
        do throws(HTTPServerError) {
            return try await HTTPListener.bind(
                host: host ?? "::", port: Int(port), limits: limits, eventLoopGroup: eventLoopGroup, logger: logger, handler: answer)
        } catch  where host == nil && (error.errno == EAFNOSUPPORT || error.errno == EADDRNOTAVAIL) {
            return try await HTTPListener.bind(
                host: "0.0.0.0", port: Int(port), limits: limits, eventLoopGroup: eventLoopGroup, logger: logger, handler: answer)
        }
    }

    private func stop() {
        let listeners = state.withLock { state in
            state.stopped = true
            defer { state.listeners = [:] }
            return Array(state.listeners.values)
        }
        for listener in listeners { listener.beginClosing() }
        opened.continuation.finish()
    }
}

/// The statuses every health port answers from.
private final class StatusBoard: Sendable {
    private let statuses = Mutex<[UInt16: HealthPortStatus]>([:])

    subscript(port: UInt16) -> HealthPortStatus? { statuses.withLock { $0[port] } }

    func replace(with ports: [UInt16: HealthPortStatus]) {
        statuses.withLock { $0 = ports }
    }
}
