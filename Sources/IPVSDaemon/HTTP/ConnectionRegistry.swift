import NIOCore
import Synchronization

/// The connections a listener has accepted, and whether each is between requests.
///
/// Closing a listener closes the idle connections at once (a keep-alive client waiting for its
/// next scrape must not hold up shutdown) and lets a busy one finish the response it is writing.
final class ConnectionRegistry: Sendable {
    enum Admission: Equatable {
        case accepted(Int)
        /// Closing or full; `firstSinceRoom` is true for the first refusal since there was room
        /// (so that a flood is logged once, not per connection).
        case refused(firstSinceRoom: Bool)
    }

    private struct State {
        var closing = false
        var refusing = false
        var nextID = 0
        /// Each open connection, and whether it is inside a request.
        var connections: [Int: (channel: any Channel, busy: Bool)] = [:]
    }

    private let state = Mutex(State())
    private let capacity: Int

    init(capacity: Int) {
        self.capacity = capacity
    }

    /// Registers a new idle connection, unless the listener is closing or holds `capacity`.
    func opened(_ channel: any Channel) -> Admission {
        state.withLock { state in
            guard !state.closing else { return .refused(firstSinceRoom: false) }
            guard state.connections.count < capacity else {
                defer { state.refusing = true }
                return .refused(firstSinceRoom: !state.refusing)
            }
            state.refusing = false
            defer { state.nextID += 1 }
            state.connections[state.nextID] = (channel, false)
            return .accepted(state.nextID)
        }
    }

    /// A request has begun on the connection.
    func busy(_ id: Int) {
        state.withLock { $0.connections[id]?.busy = true }
    }

    /// The connection's response is written; false when the listener is closing and the
    /// connection should end instead of waiting for another request.
    func idle(_ id: Int) -> Bool {
        state.withLock { state in
            guard !state.closing else { return false }
            state.connections[id]?.busy = false
            return true
        }
    }

    func closed(_ id: Int) {
        _ = state.withLock { $0.connections.removeValue(forKey: id) }
    }

    var isClosing: Bool { state.withLock { $0.closing } }

    /// Marks the registry closing and closes every idle connection.
    func closeIdle() {
        let idle = state.withLock { state in
            state.closing = true
            return state.connections.values.filter { !$0.busy }.map(\.channel)
        }
        for channel in idle { channel.close(promise: nil) }
    }
}
