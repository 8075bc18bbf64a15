import Dispatch
import IPVSCore
import IPVSWire
import Logging
import Synchronization

#if canImport(Glibc)
    import Glibc
#endif

/// The kernel's IPVS table of one network namespace, over one long-lived generic-netlink socket.
///
/// - Writes go out in batches: up to ``Configuration/maximumBatchCommands`` commands in one
///   `sendmsg`, an ACK asked for on the last only; the kernel runs them in order and answers
///   errors by sequence number, so every failure is matched to the request that caused it.
/// - Reads are one service dump plus one real-server dump per service, one `recv` per datagram
///   into a 64 KiB buffer that grows to the largest reply and stays grown for the life of the
///   client; replies are decoded where they lie in it. A large table's real-server dumps are
///   spread over ``Configuration/readLanes`` sockets, each read on a thread of its own.
/// - Every operation has a deadline. Sequence numbers and reply matching are
///   ``NetlinkConversation``'s; whether a socket is kept after an error is
///   ``SocketReplacementRule``'s (a refusal keeps it, a timeout or a broken stream replaces it).
///
/// Safe to share between tasks: operations are serialised (the kernel serialises them anyway,
/// under the genl and IPVS mutexes).
public final class IPVSClient: Sendable {
    public struct Configuration: Sendable {
        /// The namespace whose table to manage; nil for the caller's own.
        public var namespace: NetworkNamespace?
        /// The longest any one operation may take.
        public var timeout: Duration
        /// Write commands per `sendmsg`; the datagram is also kept under the send buffer.
        public var maximumBatchCommands: Int
        /// How often an interrupted dump is started again before giving up.
        public var dumpRetries: Int
        /// Sees every datagram sent and received, for traces and byte fixtures. Costs a copy.
        public var datagramObserver: (@Sendable (DatagramDirection, [UInt8]) -> Void)?
        /// Sockets a whole-table read dumps real servers on at once, each from its own thread:
        /// while one waits for the kernel (which fills one dump part at a time, under the
        /// generic-netlink lock), another decodes. The extra sockets open at the first large
        /// read and stay open. 1 with a datagram observer, so that a trace keeps its order.
        public var readLanes: Int

        public init(
            namespace: NetworkNamespace? = nil,
            timeout: Duration = .seconds(30),
            maximumBatchCommands: Int = 1024,
            dumpRetries: Int = 5,
            datagramObserver: (@Sendable (DatagramDirection, [UInt8]) -> Void)? = nil,
            readLanes: Int = 2
        ) {
            self.datagramObserver = datagramObserver
            self.namespace = namespace
            self.timeout = timeout
            self.maximumBatchCommands = max(1, maximumBatchCommands)
            self.dumpRetries = dumpRetries
            self.readLanes = datagramObserver == nil ? max(1, readLanes) : 1
        }
    }

    public enum DatagramDirection: Sendable {
        case sent, received
    }

    /// What the client has done since it was made: the numbers behind "no socket after start"
    /// and "commands per sendmsg".
    public struct Counters: Hashable, Sendable {
        public var socketsOpened = 0
        public var datagramsSent = 0
        public var writeCommands = 0
        public var dumps = 0
        public var datagramsReceived = 0
        /// Sockets given up after a timeout, a lost reply or a broken stream.
        public var socketsReplaced = 0
    }

    private struct State: ~Copyable {
        var session: NetlinkSession<NetlinkSocket>
        /// Write commands and dumps; the socket and datagram counts are the session's.
        var counters = Counters()
        var writer = NetlinkMessageWriter(capacity: 256 * 1024)
    }

    public let configuration: Configuration
    /// The first socket's buffers: what batching and dumps asked for and what the kernel gave.
    public let socketBuffers: SocketBuffers
    private let logger: Logger
    private let state: Mutex<State>
    /// Clients of the same namespace whose sockets carry the other lanes of a table read.
    private let laneClients = Mutex<[IPVSClient]>([])

    /// Opens the socket at once, so that a kernel without IPVS or a caller without privilege is
    /// told so here, never with an empty table later.
    public init(configuration: Configuration = Configuration(), logger: Logger = Logger(label: "ipvsctl.netlink")) throws(IPVSError) {
        self.configuration = configuration
        self.logger = logger
        let socket = try NetlinkSocket(namespace: configuration.namespace, receiveBufferSize: NetlinkDatagramSocket.minimumReceiveBuffer)
        self.socketBuffers = socket.buffers
        self.state = Mutex(State(session: NetlinkSession(opened: socket, label: "ipvs netlink", logger: logger)))
        // The family answering is not enough: reading the version proves the table is reachable
        // and that we may use it.
        _ = try info()
    }

    /// This client's counts, its lanes' included.
    public var counters: Counters {
        var counters = state.withLock { state in
            var counters = state.counters
            let session = state.session.counters
            counters.socketsOpened = session.socketsOpened
            counters.socketsReplaced = session.socketsReplaced
            counters.datagramsSent = session.datagramsSent
            counters.datagramsReceived = session.datagramsReceived
            return counters
        }
        for lane in laneClients.withLock({ $0 }) {
            let more = lane.counters
            counters.socketsOpened += more.socketsOpened
            counters.socketsReplaced += more.socketsReplaced
            counters.datagramsSent += more.datagramsSent
            counters.datagramsReceived += more.datagramsReceived
            counters.dumps += more.dumps
            counters.writeCommands += more.writeCommands
        }
        return counters
    }

    // MARK: - Writes

    /// Sends `requests` in batches and reports, per failed request, what the kernel said.
    /// Throws only when the conversation itself failed (socket, deadline, overrun); then some of
    /// the requests may have been applied and the caller must read the table again.
    public func apply(_ requests: [IPVSRequest]) throws(IPVSError) -> BatchResult {
        try state.withLock { state throws(IPVSError) -> BatchResult in
            var result = BatchResult(applied: 0, failures: [])
            var start = 0
            while start < requests.count {
                let socket = try self.socket(&state)
                let limit = socket.maximumDatagram
                state.writer.removeAll()
                // Encoded with the numbers the exchange will reserve, once we know how many fit.
                let firstSequence = state.session.conversation.nextSequence
                var end = start
                while end < requests.count, end - start < configuration.maximumBatchCommands {
                    requests[end].encode(
                        into: &state.writer, family: socket.family,
                        sequence: firstSequence &+ UInt32(end - start), acknowledge: false)
                    if state.writer.bytes.count > limit, end > start {
                        // This one goes in the next datagram.
                        state.writer.removeLastMessage()
                        break
                    }
                    end += 1
                }
                var exchange = state.session.begin(.batch(count: end - start))
                assert(exchange.firstSequence == firstSequence)
                // The last message asks for the ACK: its ACK (or its error) ends the batch.
                assert(exchange.asksForAcknowledgement(at: end - start - 1))
                state.writer.setAcknowledgeOnLastMessage()
                let deadline = ContinuousClock.now.advanced(by: configuration.timeout)
                _ = try state.session.converse(
                    &exchange, sending: state.writer.bytes, on: socket, before: deadline,
                    observer: configuration.datagramObserver)
                let failures = exchange.failures.map { failure in
                    let index = start + failure.index
                    return BatchResult.Failure(
                        index: index, request: requests[index],
                        error: .kernel(errno: failure.errno, request: requests[index], kernelMessage: failure.kernelMessage))
                }
                result.failures += failures
                result.applied += (end - start) - failures.count
                state.counters.writeCommands += end - start
                logger.debug(
                    "ipvs batch applied",
                    metadata: [
                        "commands": "\(end - start)", "failed": "\(failures.count)", "bytes": "\(state.writer.bytes.count)",
                    ])
                start = end
            }
            return result
        }
    }

    /// Applies one request and throws its failure, if any.
    public func perform(_ request: IPVSRequest) throws(IPVSError) {
        let result = try apply([request])
        if let failure = result.failures.first { throw failure.error }
    }

    public func addVirtualService(_ service: VirtualService) throws(IPVSError) {
        try perform(.newService(service))
    }

    public func updateVirtualService(_ service: VirtualService) throws(IPVSError) {
        try perform(.setService(service))
    }

    public func deleteVirtualService(_ key: VirtualServiceKey) throws(IPVSError) {
        try perform(.deleteService(key))
    }

    public func addRealServer(_ server: RealServer, to service: VirtualServiceKey) throws(IPVSError) {
        try perform(.newRealServer(server, service: service))
    }

    public func updateRealServer(_ server: RealServer, in service: VirtualServiceKey) throws(IPVSError) {
        try perform(.setRealServer(server, service: service))
    }

    public func deleteRealServer(_ server: RealServerKey, from service: VirtualServiceKey) throws(IPVSError) {
        try perform(.deleteRealServer(server, service: service))
    }

    public func setTimeouts(_ timeouts: Timeouts) throws(IPVSError) {
        try perform(.setTimeouts(timeouts))
    }

    /// Zeroes the counters of one virtual service, or of all when `service` is nil.
    public func zeroCounters(of service: VirtualServiceKey? = nil) throws(IPVSError) {
        try perform(.zeroCounters(service: service))
    }

    /// Starts a connection-synchronisation daemon.
    public func startSyncDaemon(_ daemon: SyncDaemon) throws(IPVSError) {
        try perform(.startSyncDaemon(daemon))
    }

    /// Stops the sync daemon of `role`.
    public func stopSyncDaemon(_ role: SyncDaemon.Role) throws(IPVSError) {
        try perform(.stopSyncDaemon(role))
    }

    /// The running sync daemons, with the kernel's values for what was left to it.
    public func syncDaemons() throws(IPVSError) -> [SyncDaemon] {
        try dump(.dumpSyncDaemons, identity: \.role) { message throws(WireDecodingError) in
            try IPVSReplyDecoder.syncDaemon(from: message)
        }
    }

    /// Deletes every virtual service of the namespace. For tools and tests; the reconciler never
    /// flushes (deleted real servers linger in the kernel's trash and slow every later add).
    public func flush() throws(IPVSError) {
        try perform(.flush)
    }

    // MARK: - Reads

    /// Every virtual service with its counters.
    public func virtualServices() throws(IPVSError) -> [ObservedVirtualService] {
        try dump(.dumpServices, identity: \.service.key) { message throws(WireDecodingError) in
            try IPVSReplyDecoder.virtualService(from: message)
        }
    }

    /// One virtual service, or nil when the kernel has none with that key.
    public func virtualService(_ key: VirtualServiceKey) throws(IPVSError) -> ObservedVirtualService? {
        do {
            return try single(.getService(key)) { message throws(WireDecodingError) in
                try IPVSReplyDecoder.virtualService(from: message)
            }
        } catch let error where error.errno == ESRCH {
            return nil
        }
    }

    /// The real servers of one virtual service.
    public func realServers(of key: VirtualServiceKey) throws(IPVSError) -> [ObservedRealServer] {
        try dump(.dumpRealServers(service: key), identity: \.server.key) { message throws(WireDecodingError) in
            try IPVSReplyDecoder.realServer(from: message, serviceFamily: key.family)
        }
    }

    /// The whole table: one service dump, then one real-server dump per service, spread over
    /// the read lanes when there are enough services to share.
    public func table() throws(IPVSError) -> [ObservedTableEntry] {
        let services = try virtualServices()
        let lanes = TableReadLanes.count(services: services.count, allowed: configuration.readLanes)
        let clients = lanes > 1 ? [self] + (try self.laneClients(lanes - 1)) : [self]
        // Each lane dumps every `lanes`-th service (neighbours in the kernel's order often
        // differ in size; this shares them out evenly), into the service's own slot.
        let results = Mutex([Result<[ObservedRealServer]?, IPVSError>](repeating: .success(nil), count: services.count))
        if lanes > 1 {
            DispatchQueue.concurrentPerform(iterations: lanes) { lane in
                Self.readLane(lane, of: lanes, services: services, client: clients[lane], into: results)
            }
        } else {
            Self.readLane(0, of: 1, services: services, client: self, into: results)
        }
        var entries: [ObservedTableEntry] = []
        entries.reserveCapacity(services.count)
        for (service, result) in zip(services, results.withLock { $0 }) {
            guard let realServers = try result.get() else { continue }
            entries.append(ObservedTableEntry(virtualService: service, realServers: realServers))
        }
        return entries
    }

    /// Dumps the real servers of every `lanes`-th service from `lane` on; stops at the first
    /// failure, which the caller throws.
    private static func readLane(
        _ lane: Int, of lanes: Int, services: [ObservedVirtualService], client: IPVSClient,
        into results: borrowing Mutex<[Result<[ObservedRealServer]?, IPVSError>]>
    ) {
        for index in stride(from: lane, to: services.count, by: lanes) {
            let result: Result<[ObservedRealServer]?, IPVSError>
            do throws(IPVSError) {
                result = .success(try client.realServers(of: services[index].service.key))
            } catch let error where error.errno == ESRCH {
                result = .success(nil)  // deleted by someone else between the two dumps
            } catch {
                result = .failure(error)
            }
            results.withLock { $0[index] = result }
            if case .failure = result { return }
        }
    }

    /// `count` clients for the other lanes, opened the first time and kept.
    private func laneClients(_ count: Int) throws(IPVSError) -> [IPVSClient] {
        try laneClients.withLock { clients throws(IPVSError) in
            var lane = configuration
            lane.readLanes = 1
            while clients.count < count { clients.append(try IPVSClient(configuration: lane, logger: logger)) }
            return Array(clients.prefix(count))
        }
    }

    public func info() throws(IPVSError) -> IPVSInfo {
        try single(.getInfo) { message throws(WireDecodingError) in try IPVSReplyDecoder.info(from: message) }
    }

    public func timeouts() throws(IPVSError) -> Timeouts {
        try single(.getTimeouts) { message throws(WireDecodingError) in try IPVSReplyDecoder.timeouts(from: message) }
    }

    // MARK: - Request/response plumbing

    /// A request answered by one data message (then its ACK, which we do not ask for).
    private func single<T: Sendable>(
        _ request: IPVSRequest, decode body: @Sendable (NetlinkMessage) throws(WireDecodingError) -> T
    ) throws(IPVSError) -> T {
        let values = try collect(request, decode: body)
        guard let value = values.first else {
            throw IPVSError(.malformedReply, "the kernel answered without data", command: request.command, object: request.object)
        }
        return value
    }

    /// A dump, started again when it was disturbed.
    ///
    /// IPVS never flags a dump interrupted: it resumes each part from a position in a hash table
    /// that every network namespace shares, so a change anywhere (a namespace being torn down,
    /// another agent) can make it repeat or skip entries. A repeated entry is the visible sign;
    /// the dump is then taken again.
    private func dump<T: Sendable, Identity: Hashable>(
        _ request: IPVSRequest, identity: (T) -> Identity,
        decode body: @Sendable (NetlinkMessage) throws(WireDecodingError) -> T
    ) throws(IPVSError) -> [T] {
        var attempts = 0
        while true {
            do throws(IPVSError) {
                let values = try collect(request, decode: body)
                var seen = Set<Identity>(minimumCapacity: values.count)
                if values.allSatisfy({ seen.insert(identity($0)).inserted }) { return values }
                throw IPVSError(
                    .dumpInterrupted, "the dump repeated an entry: the table changed while it was read",
                    command: request.command, object: request.object)
            } catch let error where error.code == .dumpInterrupted && attempts < configuration.dumpRetries {
                attempts += 1
                logger.debug("ipvs dump interrupted, retrying", metadata: ["object": "\(request.object)", "attempt": "\(attempts)"])
            }
        }
    }

    private func collect<T: Sendable>(
        _ request: IPVSRequest, decode body: @Sendable (NetlinkMessage) throws(WireDecodingError) -> T
    ) throws(IPVSError) -> [T] {
        try state.withLock { state throws(IPVSError) -> [T] in
            let socket = try self.socket(&state)
            // A get without NLM_F_ACK ends with its data message; a dump ends with NLMSG_DONE.
            var exchange = state.session.begin(request.isDump ? .dump : .get)
            state.writer.removeAll()
            request.encode(into: &state.writer, family: socket.family, sequence: exchange.firstSequence, acknowledge: false)
            if request.isDump { state.counters.dumps += 1 }
            let deadline = ContinuousClock.now.advanced(by: configuration.timeout)
            // Decoded as each datagram arrives, straight from the socket's buffer.
            var values: [T] = []
            let undecoded = try state.session.converse(
                &exchange, sending: state.writer.bytes, on: socket, before: deadline,
                observer: configuration.datagramObserver
            ) { message throws(WireDecodingError) in
                values.append(try body(message))
            }
            if let failure = exchange.failures.first {
                throw IPVSError.kernel(errno: failure.errno, request: request, kernelMessage: failure.kernelMessage)
            }
            if exchange.interrupted {
                throw IPVSError(.dumpInterrupted, "the table changed while it was read", command: request.command, object: request.object)
            }
            if let undecoded {
                throw IPVSError(.malformedReply, "the kernel's reply could not be decoded", cause: undecoded)
            }
            return values
        }
    }

    /// The socket in use, or a new one (with the receive buffer size learned so far) when the
    /// last was replaced.
    private func socket(_ state: inout State) throws(IPVSError) -> NetlinkSocket {
        try state.session.current { size throws(IPVSError) in
            try NetlinkSocket(namespace: configuration.namespace, receiveBufferSize: size)
        }
    }
}

/// How many lanes a table read uses: one per ``minimumServicesPerLane`` services, at most the
/// number allowed. A small table is read on one socket: a thread costs more than it saves there.
enum TableReadLanes {
    static let minimumServicesPerLane = 64

    static func count(services: Int, allowed: Int) -> Int {
        max(1, min(allowed, services / minimumServicesPerLane))
    }
}
