import KubernetesAPI

/// Why the reflector listed its collection again (the first list is not a relist).
public enum RelistReason: String, Hashable, Sendable, CaseIterable {
    /// The watch's resourceVersion is older than the server keeps (410, as the HTTP status or
    /// an in-stream `ERROR` event).
    case watchExpired
    /// The continue token of a paged list expired between pages (410): the pages so far are
    /// dropped and the list starts over.
    case continueExpired
    /// The list's resourceVersion was refused as expired (410).
    case listExpired
    /// The list failed otherwise (transport, an HTTP error): tried again after a backoff.
    case listFailed
}

/// Why a watch ended and another began.
public enum WatchRestartReason: String, Hashable, Sendable, CaseIterable {
    /// The server ended the watch at its `timeoutSeconds`: the normal end.
    case timedOut
    /// The server ended the watch before its timeout, after a healthy while.
    case closed
    /// The watch ended within a second with no event: counted as a failure, backed off.
    case closedEarly
    /// 410: a relist follows.
    case expired
    /// A transport or HTTP error, a malformed stream, or no end by the deadline: backed off.
    case failed
}

/// A watch event's type, for counting.
public enum WatchEventType: String, Hashable, Sendable, CaseIterable {
    case added, modified, deleted, bookmark, error, rejected

    public init<Object>(_ event: WatchEvent<Object>) {
        switch event {
        case .added: self = .added
        case .modified: self = .modified
        case .deleted: self = .deleted
        case .bookmark: self = .bookmark
        case .error: self = .error
        case .rejected: self = .rejected
        }
    }
}
