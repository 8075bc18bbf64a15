import NIOPosix

/// File reads run here, on NIO's thread pool, never on the cooperative pool that async code
/// shares.
enum BlockingIO {
    static func run<Result: Sendable>(_ body: @escaping @Sendable () throws -> Result) async throws -> Result {
        try await NIOThreadPool.singleton.runIfActive(body)
    }
}
