import IPVSCore
import NIOCore
import NIOPosix
import NIOSSL

/// Probes one target once. The checker calls it from many tasks at once.
///
/// A prober never throws: every way a probe can go wrong is a failed ``ProbeResult``. It must
/// return within the check's timeout (give or take scheduling) and stop early when its task is
/// cancelled.
public protocol Prober: Sendable {
    func probe(_ target: HealthTarget) async -> ProbeResult
}

/// The prober that talks to the network: TCP connect, HTTP(S) GET, UDP request and reply, and
/// commands, each bounded by the check's timeout.
public struct NetworkProber: Prober {
    /// The event loops the HTTP and UDP probes run on (TCP probes wait on a loop of their own:
    /// ``TCPConnectLoop``).
    public var eventLoopGroup: any EventLoopGroup
    /// The largest HTTP body read while looking for the expected substring; a longer body is
    /// searched only this far.
    public var maximumBodyBytes: Int
    /// Shared by every probe of this prober (and its copies).
    private let tls = TLSContexts()

    public init(eventLoopGroup: any EventLoopGroup = MultiThreadedEventLoopGroup.singleton, maximumBodyBytes: Int = 64 * 1024) {
        self.eventLoopGroup = eventLoopGroup
        self.maximumBodyBytes = maximumBodyBytes
    }

    public func probe(_ target: HealthTarget) async -> ProbeResult {
        let clock = ContinuousClock()
        let start = clock.now
        let failure: ProbeFailure?
        if case .tcp = target.check.probe {
            // A TCP probe is bounded already: its connect times out at the check's timeout,
            // and the close after it is local. A deadline race (a task group, a second task, a
            // timer) would cost more than the probe.
            failure = await TCPProbe(target: target).run()
        } else {
            failure = await withDeadline(target.check.timeout) {
                await probeWithoutDeadline(target)
            }
        }
        return ProbeResult(failure: failure, duration: start.duration(to: clock.now))
    }

    private func probeWithoutDeadline(_ target: HealthTarget) async -> ProbeFailure? {
        switch target.check.probe {
        case .tcp:
            await TCPProbe(target: target).run()
        case .http(let http):
            await HTTPProbe(target: target, http: http, eventLoopGroup: eventLoopGroup, maximumBodyBytes: maximumBodyBytes, tls: tls).run()
        case .udp(let udp):
            await UDPProbe(target: target, udp: udp, eventLoopGroup: eventLoopGroup).run()
        case .exec(let exec):
            await ExecProbe(target: target, command: exec.command).run()
        }
    }
}

/// Runs `operation` and fails it with `.timeout` when it takes longer than `timeout`; the
/// operation's task is then cancelled, and this waits for it to wind down (each probe makes that
/// prompt: connect timeouts match the deadline, channels close, commands are killed).
func withDeadline(_ timeout: Duration, _ operation: @escaping @Sendable () async -> ProbeFailure?) async -> ProbeFailure? {
    await withTaskGroup(of: DeadlineRace.self) { group in
        group.addTask { .finished(await operation()) }
        group.addTask {
            do {
                try await Task.sleep(for: timeout)
                return .expired
            } catch {
                return .cancelled
            }
        }
        while let first = await group.next() {
            switch first {
            case .finished(let failure):
                group.cancelAll()
                return failure
            case .expired:
                group.cancelAll()
                return ProbeFailure(.timeout, "no answer within \(timeout)")
            case .cancelled:
                continue
            }
        }
        return ProbeFailure(.error, "cancelled")
    }
}

private enum DeadlineRace: Sendable {
    case finished(ProbeFailure?)
    case expired
    case cancelled
}

extension HealthTarget {
    /// The target as a socket address, without any name lookup.
    func socketAddress() throws -> SocketAddress {
        try SocketAddress(ipAddress: address.description, port: Int(port))
    }
}
