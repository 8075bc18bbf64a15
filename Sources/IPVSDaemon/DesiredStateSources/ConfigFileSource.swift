import Config
import IPVSCore
import Logging
import NIOPosix
import Synchronization

/// The config file as the source of desired state: polled for changes (``ConfigFingerprint``
/// says why polling), loaded off the cooperative pool, and refused whole when invalid, in which
/// case the last good state stays in force.
public final class ConfigFileSource: DesiredStateSource {
    struct Memory {
        var current: SourceState
        var fingerprint: ConfigFingerprint?
    }

    public let path: String
    /// Whether the file declares the services, or only the rest (the Kubernetes source's base).
    let origin: ConfigLoader.ServiceOrigin
    let watchInterval: Duration
    let metrics: AgentMetrics
    let logger: Logger
    private let memory: Mutex<Memory>

    /// - Parameter initial: the file as loaded at start-up (a broken file stops the agent before
    ///   it touches anything, so there always is one).
    public init(
        path: String, initial: DesiredState, servicesFrom origin: ConfigLoader.ServiceOrigin = .file,
        watchInterval: Duration = .seconds(1), metrics: AgentMetrics, logger: Logger
    ) {
        self.path = path
        self.origin = origin
        self.watchInterval = watchInterval
        self.metrics = metrics
        self.logger = logger
        memory = Mutex(
            Memory(
                current: SourceState(state: initial, generation: 1, changedSince: nil),
                fingerprint: ConfigFingerprint.of(path: path)))
    }

    public func current() -> SourceState? {
        memory.withLock { memory in
            defer { memory.current.changedSince = nil }
            return memory.current
        }
    }

    /// The last good state, without handing over its change time (for a composing source).
    var lastGood: SourceState { memory.withLock { $0.current } }

    public func run(changed: @escaping @Sendable (DesiredStateChange) -> Void) async {
        while !Task.isCancelled {
            do { try await Task.sleep(for: watchInterval) } catch { return }
            let fingerprint = ConfigFingerprint.of(path: path)
            let moved = memory.withLock { fingerprint != nil && fingerprint != $0.fingerprint }
            guard moved else { continue }
            await reload()
            changed(.configFile)
        }
    }

    public func reload() async {
        let arrived = ContinuousClock.now
        let fingerprint = ConfigFingerprint.of(path: path)
        memory.withLock { $0.fingerprint = fingerprint }
        let loaded: Result<DesiredState, ConfigError>
        do {
            loaded = try await NIOThreadPool.singleton.runIfActive { [path, origin] in
                Result { () throws(ConfigError) in try ConfigLoader.load(contentsOf: path, servicesFrom: origin) }
            }
        } catch {
            return  // the thread pool is shutting down with the agent
        }
        switch loaded {
        case .success(let state):
            memory.withLock { memory in
                memory.current = SourceState(
                    state: state, generation: memory.current.generation + 1,
                    changedSince: memory.current.changedSince ?? arrived)
            }
            metrics.configReloads(.success).increment()
            metrics.configLastReloadSuccessful.set(to: 1)
            logger.notice("config reloaded", metadata: ["services": "\(state.services.count)"])
        case .failure(let error):
            metrics.configReloads(.failure).increment()
            metrics.configLastReloadSuccessful.set(to: 0)
            logger.error(
                "config rejected; the last good config stays in force",
                metadata: [
                    "file": "\(path)", "problems": "\(error.description)",
                ])
        }
    }
}
