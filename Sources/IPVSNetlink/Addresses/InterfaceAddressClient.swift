import CNetlink
import IPVSCore
import IPVSWire
import Logging
import Synchronization

#if canImport(Glibc)
import Glibc
#endif

/// The virtual addresses IPVS must see as local, bound to a dummy interface we manage, over one
/// long-lived rtnetlink socket (libnl-route-3).
///
/// IPVS only sees traffic for addresses the node considers its own. A /32 (IPv4) or /128 (IPv6)
/// on a dummy interface that is up makes the kernel add a `local` route for it in the `local`
/// table, so packets to the VIP are delivered locally and IPVS picks them up; a dummy has
/// `IFF_NOARP` and carries no traffic of its own.
///
/// - ``ensureDummyInterface(named:)`` creates the interface (kind `dummy`) and sets it up; a
///   link of that name of any other kind is refused and never touched.
/// - ``addresses(on:)`` is one address dump, whatever the number of addresses.
/// - ``apply(adding:removing:on:)`` sends up to ``Configuration/maximumBatchMessages`` requests
///   in one datagram, an ACK asked for on the last only; the kernel answers errors by sequence
///   number, so each failure names its address.
///
/// Safe to share between tasks: operations are serialised (the kernel serialises them anyway,
/// under the RTNL lock).
public final class InterfaceAddressClient: Sendable {
    public struct Configuration: Sendable {
        /// The namespace whose interfaces to manage; nil for the caller's own.
        public var namespace: NetworkNamespace?
        /// The longest any one wait for the kernel may take.
        public var timeout: Duration
        /// Address requests per datagram, at most 1,024. The kernel queues an error reply for
        /// each refused one before we read any, so a datagram also carries no more than the
        /// socket's receive buffer can hold replies for (4 MiB with `CAP_NET_ADMIN`: 1,024).
        public var maximumBatchMessages: Int
        /// How often an interrupted dump is started again before giving up.
        public var dumpRetries: Int

        public init(namespace: NetworkNamespace? = nil, timeout: Duration = .seconds(30),
                    maximumBatchMessages: Int = 1024, dumpRetries: Int = 5) {
            self.namespace = namespace
            self.timeout = timeout
            self.maximumBatchMessages = min(max(1, maximumBatchMessages), 1024)
            self.dumpRetries = dumpRetries
        }
    }

    /// What the client has done since it was made: sockets, datagrams, requests, dumps.
    public struct Counters: Hashable, Sendable {
        public var socketsOpened = 0
        public var datagramsSent = 0
        public var addressRequests = 0
        public var dumps = 0
    }

    /// The interface name used when the configuration names none.
    public static let defaultInterface = "ipvs0"

    private struct State: ~Copyable {
        var socket: RouteNetlinkSocket?
        var nextSequence: UInt32 = 1
        var counters = Counters()
    }

    public let configuration: Configuration
    private let logger: Logger
    private let state: Mutex<State>

    /// Opens the socket at once, inside `namespace`.
    public convenience init(namespace: NetworkNamespace? = nil,
                            logger: Logger = Logger(label: "ipvsctl.addresses")) throws(IPVSError) {
        try self.init(configuration: Configuration(namespace: namespace), logger: logger)
    }

    public init(configuration: Configuration, logger: Logger = Logger(label: "ipvsctl.addresses")) throws(IPVSError) {
        self.configuration = configuration
        self.logger = logger
        let socket = try RouteNetlinkSocket(namespace: configuration.namespace, timeout: configuration.timeout)
        var initial = State(socket: socket)
        initial.counters.socketsOpened = 1
        self.state = Mutex(initial)
    }

    public var counters: Counters {
        state.withLock { $0.counters }
    }

    // MARK: - The interface

    /// Creates the dummy interface `name` when it is missing, sets it up when it is down, and
    /// returns its interface index.
    ///
    /// Throws `.commandFailed` with `errno` `EEXIST` when a link of that name exists and is not a
    /// dummy (a veth, a bridge, a physical NIC...): that link is left exactly as it is.
    public func ensureDummyInterface(named name: String) throws(IPVSError) -> Int32 {
        try Self.validate(interfaceName: name)
        return try withSocket { socket, _ throws(IPVSError) -> Int32 in
            // Three rounds: look, create, look again; a concurrent creator costs one more look.
            for _ in 0..<3 {
                if let link = try socket.link(named: name) {
                    defer { rtnl_link_put(link) }
                    try Self.requireDummy(link, name: name)
                    let index = rtnl_link_get_ifindex(link)
                    if rtnl_link_get_flags(link) & UInt32(IFF_UP) == 0 {
                        try socket.setUp(link)
                        logger.info("dummy interface set up", metadata: ["interface": "\(name)", "index": "\(index)"])
                    }
                    return index
                }
                do throws(IPVSError) {
                    try socket.createLink(named: name, kind: "dummy")
                    logger.info("dummy interface created", metadata: ["interface": "\(name)"])
                } catch where error.libnlCode == NLE_EXIST {
                    continue  // someone else created it meanwhile: look at what it is
                } catch where error.libnlCode == NLE_OPNOTSUPP {
                    throw IPVSError(.commandFailed, "the kernel cannot make dummy interfaces: load the dummy module (modprobe dummy)",
                                    object: "interface \(name)", errno: EOPNOTSUPP, libnlCode: error.libnlCode)
                }
            }
            throw IPVSError(.commandFailed, "the interface keeps appearing and disappearing", object: "interface \(name)")
        }
    }

    // MARK: - Addresses

    /// Every address on `interface`, from one address dump (IPv4 and IPv6, any prefix length).
    /// IPv6 link-local addresses (fe80::/10), which the kernel adds by itself, are left out.
    /// Empty when the interface does not exist yet.
    public func addresses(on interface: String) throws(IPVSError) -> Set<IPAddress> {
        try Self.validate(interfaceName: interface)
        return try withSocket { socket, state throws(IPVSError) -> Set<IPAddress> in
            guard let link = try socket.link(named: interface) else { return [] }
            let index = rtnl_link_get_ifindex(link)
            rtnl_link_put(link)
            var attempts = 0
            while true {
                do throws(IPVSError) {
                    return try dump(interfaceIndex: index, socket: socket, &state)
                } catch where error.code == .dumpInterrupted && attempts < configuration.dumpRetries {
                    attempts += 1
                    logger.debug("address dump interrupted, retrying", metadata: ["interface": "\(interface)", "attempt": "\(attempts)"])
                }
            }
        }
    }

    /// Removes `removing`, then adds `adding` (as /32 or /128; IPv6 with `IFA_F_NODAD` and
    /// `IFA_F_NOPREFIXROUTE`), on the
    /// dummy interface `interface`, in batches.
    ///
    /// Idempotent: an address already there, or already gone, is reported as such, not as a
    /// failure. Other refusals are reported per address. Throws when the interface is missing or
    /// not a dummy (`errno` `ENODEV` / `EEXIST`, nothing sent), or when the conversation itself
    /// failed (socket, deadline, overrun): then some requests may have been applied and the
    /// addresses must be read again.
    public func apply(adding: [IPAddress], removing: [IPAddress], on interface: String) throws(IPVSError) -> AddressChangeResult {
        try Self.validate(interfaceName: interface)
        return try withSocket { socket, state throws(IPVSError) -> AddressChangeResult in
            guard let link = try socket.link(named: interface) else {
                throw IPVSError(.commandFailed, "no interface \(interface): create it first (ensureDummyInterface)",
                                object: "interface \(interface)", errno: ENODEV)
            }
            defer { rtnl_link_put(link) }
            try Self.requireDummy(link, name: interface)
            let index = rtnl_link_get_ifindex(link)
            let requests = removing.map { (AddressChangeResult.Change.remove, $0) } + adding.map { (.add, $0) }
            var result = AddressChangeResult()
            var start = 0
            while start < requests.count {
                let end = min(start + min(configuration.maximumBatchMessages, socket.requestsPerDatagram), requests.count)
                try exchange(requests[start..<end], interfaceIndex: index, interface: interface, socket: socket, &state, into: &result)
                start = end
            }
            if !requests.isEmpty {
                logger.info("interface addresses changed", metadata: [
                    "interface": "\(interface)", "added": "\(result.added.count)", "removed": "\(result.removed.count)",
                    "alreadyPresent": "\(result.alreadyPresent.count)", "alreadyAbsent": "\(result.alreadyAbsent.count)",
                    "failed": "\(result.failures.count)",
                ])
            }
            return result
        }
    }

    // MARK: - Conversations

    /// One batch: one datagram out, then every reply up to the ACK of its last request.
    private func exchange(
        _ batch: ArraySlice<(AddressChangeResult.Change, IPAddress)>, interfaceIndex: Int32, interface: String,
        socket: RouteNetlinkSocket, _ state: inout State, into result: inout AddressChangeResult
    ) throws(IPVSError) {
        let firstSequence = state.nextSequence
        var datagram: [UInt8] = []
        datagram.reserveCapacity(batch.count * 64)
        var lastOffset = 0
        for (position, (change, address)) in batch.enumerated() {
            lastOffset = datagram.count
            try AddressMessages.append(change, address, interfaceIndex: interfaceIndex,
                                       sequence: firstSequence &+ UInt32(position), to: &datagram)
        }
        AddressMessages.requestAcknowledgement(in: &datagram, messageAt: lastOffset)
        let lastSequence = firstSequence &+ UInt32(batch.count - 1)
        state.nextSequence = lastSequence &+ 1

        var answers = [Int32?](repeating: nil, count: batch.count)
        var kernelMessages: [Int: String] = [:]
        let deadline = ContinuousClock.now.advanced(by: configuration.timeout)
        try socket.send(datagram)
        state.counters.datagramsSent += 1
        state.counters.addressRequests += batch.count
        receiving: while true {
            guard ContinuousClock.now < deadline else {
                throw IPVSError(.timedOut, "rtnetlink did not answer the whole batch before the deadline")
            }
            let reply = try socket.receive()
            for message in try decode(NetlinkDatagram.messages(in: reply)) {
                let sequence: UInt32
                switch try decode(NetlinkDatagram.reply(message)) {
                case .acknowledgement(let seq):
                    sequence = seq
                case .error(let seq, let errno, let text):
                    sequence = seq
                    let offset = Int(seq &- firstSequence)
                    if offset >= 0, offset < batch.count {
                        answers[offset] = errno
                        kernelMessages[offset] = text
                    }
                case .data, .done:
                    continue
                }
                if sequence == lastSequence { break receiving }
            }
        }
        // Every request without an error reply succeeded: the kernel answers failures always.
        for (position, (change, address)) in batch.enumerated() {
            result.record(change, address, errno: answers[position] ?? 0, kernelMessage: kernelMessages[position], interface: interface)
        }
        logger.debug("address batch applied", metadata: [
            "requests": "\(batch.count)", "bytes": "\(datagram.count)",
            "errors": "\(answers.lazy.filter { $0 != nil }.count)",
        ])
    }

    /// One `RTM_GETADDR` dump, filtered to `interfaceIndex` by the kernel and again here.
    private func dump(interfaceIndex: Int32, socket: RouteNetlinkSocket, _ state: inout State) throws(IPVSError) -> Set<IPAddress> {
        let sequence = state.nextSequence
        state.nextSequence &+= 1
        let deadline = ContinuousClock.now.advanced(by: configuration.timeout)
        try socket.send(AddressMessages.dumpRequest(interfaceIndex: interfaceIndex, sequence: sequence))
        state.counters.datagramsSent += 1
        state.counters.dumps += 1
        var addresses = Set<IPAddress>()
        var interrupted = false
        while true {
            guard ContinuousClock.now < deadline else {
                throw IPVSError(.timedOut, "the address dump did not finish before the deadline")
            }
            let reply = try socket.receive()
            for message in try decode(NetlinkDatagram.messages(in: reply)) where message.header.sequence == sequence {
                switch try decode(NetlinkDatagram.reply(message)) {
                case .data(let data):
                    if data.header.flags.contains(.dumpInterrupted) { interrupted = true }
                    guard data.header.type == AddressMessages.newAddress,
                        let entry = try decode(AddressMessages.dumped(data)),
                        entry.interfaceIndex == interfaceIndex, !entry.address.isIPv6LinkLocal
                    else { continue }
                    addresses.insert(entry.address)
                case .done(_, let wasInterrupted):
                    if interrupted || wasInterrupted {
                        throw IPVSError(.dumpInterrupted, "the addresses changed while they were read")
                    }
                    return addresses
                case .acknowledgement:
                    return addresses
                case .error(_, let errno, let text):
                    throw IPVSError(errno == EPERM ? .permissionDenied : .commandFailed,
                                    "the address dump failed: \(IPVSError.errnoText(errno))", errno: errno, kernelMessage: text)
                }
            }
        }
    }

    // MARK: - Plumbing

    /// Runs `body` with the socket, opening a new one when the last one was discarded. A socket
    /// that failed mid-conversation may still hold replies: it is replaced, not reasoned about.
    private func withSocket<T>(_ body: @Sendable (RouteNetlinkSocket, inout State) throws(IPVSError) -> T) throws(IPVSError) -> T {
        try state.withLock { state throws(IPVSError) -> T in
            let socket: RouteNetlinkSocket
            if let existing = state.socket {
                socket = existing
            } else {
                socket = try RouteNetlinkSocket(namespace: configuration.namespace, timeout: configuration.timeout)
                state.socket = socket
                state.counters.socketsOpened += 1
                logger.info("rtnetlink socket reopened")
            }
            do throws(IPVSError) {
                return try body(socket, &state)
            } catch {
                if error.code != .commandFailed && error.code != .permissionDenied && error.code != .dumpInterrupted {
                    logger.warning("rtnetlink socket discarded", metadata: ["error": "\(error)"])
                    state.socket = nil
                }
                throw error
            }
        }
    }

    private func decode<T>(_ body: @autoclosure () throws(WireDecodingError) -> T) throws(IPVSError) -> T {
        do {
            return try body()
        } catch {
            throw IPVSError(.malformedReply, "the kernel's rtnetlink reply could not be decoded", cause: error)
        }
    }

    /// The kernel's rule for interface names (`dev_valid_name`): 1 to 15 bytes, not `.` or
    /// `..`, no `/`, `:` or white space.
    static func validate(interfaceName name: String) throws(IPVSError) {
        let bytes = Array(name.utf8)
        let forbidden: Set<UInt8> = [UInt8(ascii: "/"), UInt8(ascii: ":"), UInt8(ascii: " "), UInt8(ascii: "\t"),
                                     UInt8(ascii: "\n"), 0x0B, 0x0C, UInt8(ascii: "\r"), 0]
        guard (1...15).contains(bytes.count), name != ".", name != "..", !bytes.contains(where: forbidden.contains) else {
            throw IPVSError(.commandFailed, "'\(name)' is not a valid interface name (1 to 15 bytes, no '/', ':' or spaces)",
                            object: "interface \(name)", errno: EINVAL)
        }
    }

    /// Refuses any link that is not a dummy (`IFLA_INFO_KIND` "dummy").
    private static func requireDummy(_ link: OpaquePointer, name: String) throws(IPVSError) {
        let kind = rtnl_link_get_type(link).map { String(cString: $0) }
        guard kind == "dummy" else {
            throw IPVSError(.commandFailed,
                            "\(name) exists and is \(kind.map { "a \($0) link" } ?? "a link without a kind (a physical device?)"), not a dummy: it is left untouched",
                            object: "interface \(name)", errno: EEXIST)
        }
    }
}
