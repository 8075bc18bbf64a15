import Synchronization

/// Why the reconciler runs.
public enum ReconcileTrigger: String, Hashable, Sendable, CaseIterable, Comparable {
    /// The agent started.
    case start
    /// The config file changed on disk.
    case config
    /// Objects in the Kubernetes API changed.
    case kubernetes
    /// SIGHUP (`systemctl reload`).
    case signal
    /// A health verdict changed.
    case health
    /// The periodic resync (drift repair, drain progress).
    case resync
    /// A retry after a failed kernel write.
    case retry

    /// Whether the source was read again for it (systemd hears RELOADING, then READY).
    var rereadsSource: Bool { self == .config || self == .signal }

    /// Whether a pass for it alone may plan the services it touched against the baseline; the
    /// others read the kernel (SIGHUP is an operator's way to ask for that too).
    var isScoped: Bool { self == .health || self == .config || self == .kubernetes }

    public static func < (lhs: Self, rhs: Self) -> Bool {
        allCases.firstIndex(of: lhs)! < allCases.firstIndex(of: rhs)!
    }
}

/// Collects triggers from several producers and hands them to the one consumer as a set, so that
/// a burst (an editor writing a file twice, a flapping backend) costs one reconcile.
final class TriggerBox: Sendable {
    private let pending = Mutex(Set<ReconcileTrigger>())
    private let signal: AsyncStream<Void>.Continuation
    /// Yields once per batch of raised triggers.
    let batches: AsyncStream<Void>

    init() {
        (batches, signal) = AsyncStream.makeStream(of: Void.self, bufferingPolicy: .bufferingNewest(1))
    }

    func raise(_ trigger: ReconcileTrigger) {
        pending.withLock { _ = $0.insert(trigger) }
        signal.yield()
    }

    /// Everything raised since the last call.
    func take() -> Set<ReconcileTrigger> {
        pending.withLock { pending in
            defer { pending.removeAll() }
            return pending
        }
    }

    func finish() { signal.finish() }
}
