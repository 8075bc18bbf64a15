import Logging
import ServiceLifecycle
import Synchronization

#if canImport(Glibc)
    import Glibc
#endif

let quietLogger = Logger(label: "ipvsctl-swift.tests") { _ in SwiftLogNoOpLogHandler() }

/// Runs `services` in a `ServiceGroup`, as the daemon does, while `body` runs; then triggers
/// graceful shutdown and returns once the group has, so that a service that does not stop makes
/// the test hang rather than pass.
func withServices<T: Sendable>(
    _ services: [any Service], _ body: @Sendable (ServiceGroup) async throws -> T
) async throws -> T {
    let group = ServiceGroup(services: services, logger: quietLogger)
    return try await withThrowingTaskGroup(of: Void.self) { tasks in
        tasks.addTask { try await group.run() }
        let result: Result<T, any Error>
        do {
            result = .success(try await body(group))
        } catch {
            result = .failure(error)
        }
        await group.triggerGracefulShutdown()
        try await tasks.waitForAll()
        return try result.get()
    }
}

/// A TCP port on 127.0.0.1 that nothing listens on right now, and that no other test of this
/// process is handed.
///
/// Ports come from a counter below the kernel's ephemeral range (32768 and up): a port picked
/// by binding port 0 could be handed out again at once to another test running in parallel
/// (a `TestListener`, an outgoing connection), which then finds it taken.
func unusedPort() throws -> UInt16 {
    while true {
        let port = UInt16(nextTestPort.add(1, ordering: .relaxed).oldValue)
        guard port < 32768 else { throw SocketFailure(call: "bind", errno: EADDRINUSE) }
        if let listener = try? TestListener(port: port) {
            listener.release()
            return port
        }
    }
}

private let nextTestPort = Atomic<Int>(Int.random(in: 20000..<30000))

/// Returns once `port` can be bound on 127.0.0.1 (within 5 s): a socket closed here may live on
/// for a moment in a program this process is starting, between its fork and its exec.
func waitUntilFree(_ port: UInt16) async throws {
    for _ in 0..<500 {
        if let listener = try? TestListener(port: port) {
            listener.release()
            return
        }
        try await Task.sleep(for: .milliseconds(10))
    }
    throw SocketFailure(call: "bind", errno: EADDRINUSE)
}

/// A listening TCP socket on 127.0.0.1, to hold a port taken.
final class TestListener: @unchecked Sendable {
    private let socket: Int32
    let port: UInt16
    private var closed = false

    init(port: UInt16 = 0) throws {
        // Close-on-exec: tests in this process start programs (exec probes), which must not
        // inherit the port and hold it after `release()`.
        let socket = Glibc.socket(AF_INET, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = in_port_t(port.bigEndian)
        address.sin_addr.s_addr = in_addr_t(UInt32(0x7f00_0001).bigEndian)
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                bind(socket, $0, length) == 0 && listen(socket, 8) == 0 && getsockname(socket, $0, &length) == 0
            }
        }
        guard bound else {
            let code = errno
            close(socket)
            throw SocketFailure(call: "bind", errno: code)
        }
        self.socket = socket
        self.port = UInt16(bigEndian: address.sin_port)
    }

    /// Lets the port go.
    func release() {
        guard !closed else { return }
        closed = true
        close(socket)
    }

    deinit { release() }
}
