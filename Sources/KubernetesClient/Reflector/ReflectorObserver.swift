import KubernetesAPI

/// Sees what a reflector does: the hook for metrics, so that this module depends on no
/// metrics library. Every method has an empty default.
///
/// Called from the reflector's task, one call at a time: keep it short and do not block.
public protocol ReflectorObserver: Sendable {
    /// A list from scratch began for `reason` (not called for the first list).
    func relisted(reason: RelistReason)
    /// A watch ended for `reason`; another follows (after a wait, or after a relist).
    func watchRestarted(reason: WatchRestartReason)
    /// A watch event arrived.
    func eventReceived(type: WatchEventType)
    /// An object (in a list or an event) could not be decoded and was skipped.
    func objectRejected(_ rejected: RejectedObject)
    /// A complete list was handed over: the local copy is in sync.
    func synced()
}

extension ReflectorObserver {
    public func relisted(reason: RelistReason) {}
    public func watchRestarted(reason: WatchRestartReason) {}
    public func eventReceived(type: WatchEventType) {}
    public func objectRejected(_ rejected: RejectedObject) {}
    public func synced() {}
}

/// Sees nothing.
public struct NoReflectorObserver: ReflectorObserver {
    public init() {}
}
