import IPVSCore
import IPVSNetlink
import IPVSWire
import Reconciler
import Synchronization

/// An IPVS table in memory that answers commands the way the kernel does (EEXIST, ESRCH,
/// ENOENT), for unit-testing the reconciler's executor. The kernel-lab tests are the real thing.
public final class InMemoryIPVSTable: IPVSTable {
    public init() {}

    private struct State {
        var services: [VirtualServiceKey: ObservedTableEntry] = [:]
        var timeouts = Timeouts(tcp: 900, tcpFin: 120, udp: 300)
        var commands = 0
        /// Fail the conversation after this many commands (a crash mid-apply).
        var breakAfter: Int?
    }

    private let state = Mutex(State())

    public var commandCount: Int { state.withLock { $0.commands } }
    public var snapshot: [ObservedTableEntry] { (try? table()) ?? [] }

    public func breakConversation(afterCommands count: Int?) {
        state.withLock { $0.breakAfter = count }
    }

    public func insertForeign(_ service: VirtualService) {
        state.withLock {
            $0.services[service.key] = ObservedTableEntry(virtualService: ObservedVirtualService(service: service), realServers: [])
        }
    }

    public func table() throws(IPVSError) -> [ObservedTableEntry] {
        state.withLock { $0.services.values.sorted { $0.virtualService.service.key < $1.virtualService.service.key } }
    }

    public func timeouts() throws(IPVSError) -> Timeouts {
        state.withLock { $0.timeouts }
    }

    public func apply(_ requests: [IPVSRequest]) throws(IPVSError) -> BatchResult {
        try state.withLock { state throws(IPVSError) -> BatchResult in
            var failures: [BatchResult.Failure] = []
            for (index, request) in requests.enumerated() {
                if let limit = state.breakAfter, state.commands >= limit {
                    throw IPVSError(.socketFailure, "simulated broken conversation")
                }
                state.commands += 1
                if let errno = Self.execute(request, on: &state) {
                    failures.append(.init(index: index, request: request, error: IPVSError(.commandFailed, "errno \(errno)", errno: errno)))
                }
            }
            return BatchResult(applied: requests.count - failures.count, failures: failures)
        }
    }

    private static func execute(_ request: IPVSRequest, on state: inout State) -> Int32? {
        let EEXIST: Int32 = 17, ESRCH: Int32 = 3, ENOENT: Int32 = 2
        switch request {
        case .newService(let service):
            if state.services[service.key] != nil { return EEXIST }
            state.services[service.key] = ObservedTableEntry(virtualService: ObservedVirtualService(service: service), realServers: [])
        case .setService(let service):
            guard state.services[service.key] != nil else { return ESRCH }
            state.services[service.key]?.virtualService.service = service
        case .deleteService(let key):
            guard state.services.removeValue(forKey: key) != nil else { return ESRCH }
        case .newRealServer(let server, let key):
            guard var entry = state.services[key] else { return ESRCH }
            if entry.realServers.contains(where: { $0.server.key == server.key }) { return EEXIST }
            entry.realServers.append(ObservedRealServer(server: server))
            state.services[key] = entry
        case .setRealServer(let server, let key):
            guard var entry = state.services[key] else { return ESRCH }
            guard let index = entry.realServers.firstIndex(where: { $0.server.key == server.key }) else { return ENOENT }
            entry.realServers[index].server = server
            state.services[key] = entry
        case .deleteRealServer(let server, let key):
            guard var entry = state.services[key] else { return ESRCH }
            guard let index = entry.realServers.firstIndex(where: { $0.server.key == server }) else { return ENOENT }
            entry.realServers.remove(at: index)
            state.services[key] = entry
        case .setTimeouts(let timeouts):
            state.timeouts = timeouts
        case .flush:
            state.services.removeAll()
        case .getService, .dumpServices, .dumpRealServers, .getInfo, .getTimeouts, .zeroCounters,
            .startSyncDaemon, .stopSyncDaemon, .dumpSyncDaemons:
            break
        }
        return nil
    }
}
