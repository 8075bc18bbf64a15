/// One connect in flight: its socket, and the serial that tells it apart from a later connect
/// on a socket with the same number.
struct InFlightConnect: Hashable, Sendable {
    var socket: CInt
    var serial: UInt32

    init(socket: CInt, serial: UInt32) {
        self.socket = socket
        self.serial = serial
    }

    /// The epoll event's data for it: the socket in the low half, the serial in the high.
    var token: UInt64 { UInt64(UInt32(bitPattern: socket)) | UInt64(serial) << 32 }

    init(token: UInt64) {
        self.init(socket: CInt(truncatingIfNeeded: token), serial: UInt32(truncatingIfNeeded: token >> 32))
    }
}

/// The connects in flight, each with whoever waits for it, and their deadlines; what
/// ``TCPConnectLoop`` keeps under its lock, without I/O so that it is tested on its own.
///
/// Whoever takes a connect out (its event, its deadline, its cancellation) closes its socket
/// and resumes its waiter; a connect is taken once.
struct ConnectRegistry<Waiter> {
    /// Whether the loop's thread is in `epoll_wait`, and until when.
    enum Phase: Equatable {
        case awake
        /// Until this instant, or until an event when nil.
        case sleeping(until: ContinuousClock.Instant?)
    }

    private struct Deadline: Comparable {
        var instant: ContinuousClock.Instant
        var connect: InFlightConnect

        static func < (lhs: Self, rhs: Self) -> Bool { lhs.instant < rhs.instant }
    }

    private(set) var phase = Phase.awake
    private var inFlight: [CInt: (serial: UInt32, waiter: Waiter)] = [:]
    /// Every registered deadline; one whose connect has finished stays until it is the earliest.
    private var deadlines = MinHeap<Deadline>()

    var count: Int { inFlight.count }

    /// Registers a connect; true when the loop sleeps past its deadline and must be woken (it
    /// is then marked awake, so that it is woken once).
    mutating func register(_ connect: InFlightConnect, deadline: ContinuousClock.Instant, waiter: Waiter) -> Bool {
        inFlight[connect.socket] = (connect.serial, waiter)
        deadlines.insert(Deadline(instant: deadline, connect: connect))
        guard case .sleeping(let until) = phase, until.map({ deadline < $0 }) ?? true else { return false }
        phase = .awake
        return true
    }

    /// The connect's waiter, if it is still in flight; it is no longer after this.
    mutating func take(_ connect: InFlightConnect) -> Waiter? {
        guard let entry = inFlight[connect.socket], entry.serial == connect.serial else { return nil }
        inFlight[connect.socket] = nil
        return entry.waiter
    }

    /// Takes every connect whose deadline is not after `now`.
    mutating func takeExpired(now: ContinuousClock.Instant, _ body: (InFlightConnect, Waiter) -> Void) {
        while let earliest = deadlines.min, earliest.instant <= now {
            _ = deadlines.popMin()
            if let waiter = take(earliest.connect) { body(earliest.connect, waiter) }
        }
    }

    /// Marks the loop asleep until the earliest deadline of a connect still in flight, and
    /// returns that wait in milliseconds for `epoll_wait`, rounded up; -1 (no limit) for none.
    mutating func planSleep(now: ContinuousClock.Instant) -> CInt {
        while let earliest = deadlines.min, inFlight[earliest.connect.socket]?.serial != earliest.connect.serial {
            _ = deadlines.popMin()
        }
        guard let earliest = deadlines.min else {
            phase = .sleeping(until: nil)
            return -1
        }
        phase = .sleeping(until: earliest.instant)
        let (seconds, attoseconds) = max(earliest.instant - now, .zero).components
        let milliseconds = seconds * 1000 + (attoseconds + 999_999_999_999_999) / 1_000_000_000_000_000
        return CInt(clamping: milliseconds)
    }

    /// The loop's thread has returned from `epoll_wait`.
    mutating func wokeUp() {
        phase = .awake
    }
}
