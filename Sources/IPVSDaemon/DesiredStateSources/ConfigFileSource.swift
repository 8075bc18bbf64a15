import Config
import IPVSCore
import Logging
import NIOPosix
import Synchronization

/// The config file as the source of desired state: polled for changes (``ConfigFingerprint``
/// says why polling), loaded off the cooperative pool, and refused whole when invalid, in which
/// case the last good state stays in force. A reload reads again only the services an edit
/// touched when it can (``ConfigSession``), and then tells the loop which ones they are.
public final class ConfigFileSource: DesiredStateSource {
    struct Memory {
        var current: SourceState
        var fingerprint: ConfigFingerprint?
        /// The service files the last good config names, watched beside it.
        var serviceFiles: ServiceFilePatterns?
    }

    public let path: String
    let watchInterval: Duration
    let metrics: AgentMetrics
    let logger: Logger
    private let memory: Mutex<Memory>
    /// Held while a load runs (on the thread pool), so that a SIGHUP and a change on disk load
    /// one after the other.
    private let session: Mutex<ConfigSession>

    /// - Parameter session: the file as loaded at start-up (a broken file stops the agent before
    ///   it touches anything, so there always is one).
    public init(session: ConfigSession, watchInterval: Duration = .seconds(1), metrics: AgentMetrics, logger: Logger) {
        path = session.path
        self.watchInterval = watchInterval
        self.metrics = metrics
        self.logger = logger
        memory = Mutex(
            Memory(
                current: SourceState(state: session.state, generation: 1, changedSince: nil),
                fingerprint: ConfigFingerprint.of(path: session.path, serviceFiles: session.serviceFilePatterns),
                serviceFiles: session.serviceFilePatterns))
        self.session = Mutex(session)
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
            let patterns = memory.withLock { $0.serviceFiles }
            // A stat of every file, and a directory listing per pattern: off the cooperative pool.
            // No fingerprint (the config file missing, or the pool stopping): nothing to load.
            let path = path
            guard
                let fingerprint = try? await NIOThreadPool.singleton.runIfActive({
                    ConfigFingerprint.of(path: path, serviceFiles: patterns)
                })
            else { continue }
            let moved = memory.withLock { fingerprint != $0.fingerprint }
            guard moved else { continue }
            await reload(seen: fingerprint)
            changed(.configFile)
        }
    }

    public func reload() async {
        await reload(seen: nil)
    }

    /// - Parameter seen: what the watcher found on disk just now, which the load takes as the
    ///   service files' stamps instead of taking them all again; nil (SIGHUP) to take them now.
    func reload(seen: ConfigFingerprint?) async {
        let arrived = ContinuousClock.now
        let patterns = memory.withLock { $0.serviceFiles }
        let loaded: Result<(DesiredState, ConfigSession.Change, ServiceFilePatterns?), ConfigError>
        do {
            loaded = try await NIOThreadPool.singleton.runIfActive { [self] in
                // Taken before the files are read: a change after it is seen by the next poll.
                let fingerprint = seen ?? ConfigFingerprint.of(path: self.path, serviceFiles: patterns)
                self.memory.withLock { $0.fingerprint = fingerprint }
                return self.session.withLock { session in
                    Result { () throws(ConfigError) in
                        let change = try session.reload(serviceFiles: fingerprint?.serviceFiles)
                        return (session.state, change, session.serviceFilePatterns)
                    }
                }
            }
        } catch {
            return  // the thread pool is shutting down with the agent
        }
        switch loaded {
        case .success(let (state, change, patterns)):
            memory.withLock { memory in
                if patterns != memory.serviceFiles {
                    // The files to watch changed with the config: the next poll loads again,
                    // which finds nothing changed unless something did since.
                    memory.serviceFiles = patterns
                    memory.fingerprint = nil
                }
                let generation = memory.current.generation
                memory.current = SourceState(
                    state: state, generation: generation + 1,
                    changedSince: memory.current.changedSince ?? arrived,
                    edit: change.editedServices.map { ServiceEdit(from: generation, services: $0) })
            }
            metrics.configReloads(.success).increment()
            metrics.configLastReloadSuccessful.set(to: 1)
            logger.notice(
                "config reloaded",
                metadata: [
                    "services": "\(state.services.count)", "edited": "\(change.editedServices.map { "\($0.count)" } ?? "all")",
                    "read": "\(change.readPartially ? "edited services" : "whole file")",
                ])
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
