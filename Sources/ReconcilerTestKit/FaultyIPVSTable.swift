import IPVSCore
import IPVSNetlink
import IPVSWire
import Reconciler
import Synchronization

/// One fault the kernel can show the reconciler. Each fires once, then the table answers
/// normally again, as a kernel under a passing disturbance does.
public enum IPVSFault: Sendable, Hashable, CustomStringConvertible {
    /// The command at this position (counted from when the fault is armed, across batches) is
    /// refused with `errno` and not executed, as the kernel refuses one command of a batch.
    case commandFails(at: Int, errno: Int32)
    /// The conversation breaks after this many commands were executed: their replies are lost
    /// (`ENOBUFS` gives `.receiveOverrun`, a deadline `.timedOut`), the rest never arrive.
    case conversationBreaks(afterCommands: Int, code: IPVSError.Code)
    /// The next dump shows the entry at this position twice.
    case dumpRepeats(entry: Int)
    /// The next dump leaves out the entry at this position.
    case dumpSkips(entry: Int)
    /// The deadline passes during the next dump.
    case dumpTimesOut

    public var description: String {
        switch self {
        case .commandFails(let at, let errno): "command \(at) fails with errno \(errno)"
        case .conversationBreaks(let after, let code): "conversation breaks (\(code)) after \(after) commands"
        case .dumpRepeats(let entry): "dump repeats entry \(entry)"
        case .dumpSkips(let entry): "dump skips entry \(entry)"
        case .dumpTimesOut: "dump times out"
        }
    }
}

/// An ``InMemoryIPVSTable`` with faults injected: for proving that every failure the kernel can
/// show the executor ends in a clear error or a retry, never in a foreign object touched or an
/// owned one forgotten. No I/O.
public final class FaultyIPVSTable: IPVSTable {
    public let kernel: InMemoryIPVSTable
    private struct State {
        var faults: [IPVSFault] = []
        /// Commands sent since the faults were armed.
        var commands = 0
        var fired: [IPVSFault] = []
    }

    private let state = Mutex(State())

    public init(_ kernel: InMemoryIPVSTable = InMemoryIPVSTable()) {
        self.kernel = kernel
    }

    /// Arms `faults` (replacing any not fired) and starts counting commands from zero.
    public func inject(_ faults: [IPVSFault]) {
        state.withLock {
            $0.faults = faults
            $0.commands = 0
        }
    }

    /// The faults that fired since the table was made.
    public var fired: [IPVSFault] { state.withLock { $0.fired } }

    public func table() throws(IPVSError) -> [ObservedTableEntry] {
        var entries = try kernel.table()
        let fault = state.withLock { state -> IPVSFault? in
            guard let index = state.faults.firstIndex(where: \.isDumpFault) else { return nil }
            state.fired.append(state.faults.remove(at: index))
            return state.fired.last
        }
        switch fault {
        case .dumpRepeats(let entry) where !entries.isEmpty:
            let index = min(entry, entries.count - 1)
            entries.insert(entries[index], at: index + 1)
        case .dumpSkips(let entry) where !entries.isEmpty:
            entries.remove(at: min(entry, entries.count - 1))
        case .dumpTimesOut:
            throw IPVSError(.timedOut, "no reply from the kernel before the deadline", command: .getService)
        default:
            break
        }
        return entries
    }

    public func timeouts() throws(IPVSError) -> Timeouts {
        try kernel.timeouts()
    }

    public func apply(_ requests: [IPVSRequest]) throws(IPVSError) -> BatchResult {
        var failures: [BatchResult.Failure] = []
        var executed = 0
        for (index, request) in requests.enumerated() {
            let fault = state.withLock { state -> IPVSFault? in
                defer { state.commands += 1 }
                let position = state.commands
                guard
                    let found = state.faults.firstIndex(where: {
                        switch $0 {
                        case .commandFails(let at, _): at == position
                        case .conversationBreaks(let after, _): after == position
                        default: false
                        }
                    })
                else { return nil }
                state.fired.append(state.faults.remove(at: found))
                return state.fired.last
            }
            switch fault {
            case .commandFails(_, let errno):
                failures.append(.init(index: index, request: request, error: IPVSError(.commandFailed, "errno \(errno)", errno: errno)))
                continue
            case .conversationBreaks(_, let code):
                throw IPVSError(code, "simulated: the conversation broke after \(executed) of \(requests.count) commands")
            default:
                break
            }
            let result = try kernel.apply([request])
            executed += 1
            failures += result.failures.map { .init(index: index, request: request, error: $0.error) }
        }
        return BatchResult(applied: requests.count - failures.count, failures: failures)
    }
}

extension IPVSFault {
    var isDumpFault: Bool {
        switch self {
        case .dumpRepeats, .dumpSkips, .dumpTimesOut: true
        case .commandFails, .conversationBreaks: false
        }
    }
}
