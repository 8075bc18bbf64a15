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

        public init(
            namespace: NetworkNamespace? = nil, timeout: Duration = .seconds(30),
            maximumBatchMessages: Int = 1024, dumpRetries: Int = 5
        ) {
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
        var session: NetlinkSession<RouteNetlinkSocket>
        /// Address requests and dumps; the socket and datagram counts are the session's.
        var counters = Counters()
    }

    public let configuration: Configuration
    private let logger: Logger
    private let state: Mutex<State>

    /// Opens the socket at once, inside `namespace`.
    public convenience init(
        namespace: NetworkNamespace? = nil,
        logger: Logger = Logger(label: "ipvsctl.addresses")
    ) throws(IPVSError) {
        try self.init(configuration: Configuration(namespace: namespace), logger: logger)
    }

    public init(configuration: Configuration, logger: Logger = Logger(label: "ipvsctl.addresses")) throws(IPVSError) {
        self.configuration = configuration
        self.logger = logger
        let socket = try RouteNetlinkSocket(
            namespace: configuration.namespace, timeout: configuration.timeout,
            receiveBufferSize: NetlinkDatagramSocket.minimumReceiveBuffer)
        self.state = Mutex(State(session: NetlinkSession(opened: socket, label: "rtnetlink", logger: logger)))
    }

    public var counters: Counters {
        state.withLock { state in
            var counters = state.counters
            counters.socketsOpened = state.session.counters.socketsOpened
            counters.datagramsSent = state.session.counters.datagramsSent
            return counters
        }
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
                } catch  where error.libnlCode == NLE_EXIST {
                    continue  // someone else created it meanwhile: look at what it is
                } catch  where error.libnlCode == NLE_OPNOTSUPP {
                    throw IPVSError(
                        .commandFailed, "the kernel cannot make dummy interfaces: load the dummy module (modprobe dummy)",
                        object: "interface \(name)", errno: EOPNOTSUPP, libnlCode: error.libnlCode)
                }
            }
            throw IPVSError(.commandFailed, "the interface keeps appearing and disappearing", object: "interface \(name)")
        }
    }

    /// What the link called `name` is, without changing it; nil when there is none. For checks
    /// that must only look (`selftest`).
    public func link(named name: String) throws(IPVSError) -> LinkDescription? {
        try Self.validate(interfaceName: name)
        return try withSocket { socket, _ throws(IPVSError) -> LinkDescription? in
            guard let link = try socket.link(named: name) else { return nil }
            defer { rtnl_link_put(link) }
            return LinkDescription(
                index: rtnl_link_get_ifindex(link),
                kind: rtnl_link_get_type(link).map { String(cString: $0) },
                isUp: rtnl_link_get_flags(link) & UInt32(IFF_UP) != 0)
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
                } catch  where error.code == .dumpInterrupted && attempts < configuration.dumpRetries {
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
                throw IPVSError(
                    .commandFailed, "no interface \(interface): create it first (ensureDummyInterface)",
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
                logger.info(
                    "interface addresses changed",
                    metadata: [
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
        var exchange = state.session.begin(.batch(count: batch.count))
        var datagram: [UInt8] = []
        datagram.reserveCapacity(batch.count * 64)
        for (position, (change, address)) in batch.enumerated() {
            let offset = datagram.count
            try AddressMessages.append(
                change, address, interfaceIndex: interfaceIndex,
                sequence: exchange.sequence(at: position), to: &datagram)
            if exchange.asksForAcknowledgement(at: position) {
                AddressMessages.requestAcknowledgement(in: &datagram, messageAt: offset)
            }
        }
        let deadline = ContinuousClock.now.advanced(by: configuration.timeout)
        state.counters.addressRequests += batch.count
        _ = try state.session.converse(&exchange, sending: datagram, on: socket, before: deadline)
        var answers = [Int32?](repeating: nil, count: batch.count)
        var kernelMessages: [Int: String] = [:]
        for failure in exchange.failures {
            answers[failure.index] = failure.errno
            kernelMessages[failure.index] = failure.kernelMessage
        }
        // Every request without an error reply succeeded: the kernel answers failures always.
        for (position, (change, address)) in batch.enumerated() {
            result.record(change, address, errno: answers[position] ?? 0, kernelMessage: kernelMessages[position], interface: interface)
        }
        logger.debug(
            "address batch applied",
            metadata: [
                "requests": "\(batch.count)", "bytes": "\(datagram.count)", "errors": "\(exchange.failures.count)",
            ])
    }

    /// One `RTM_GETADDR` dump, filtered to `interfaceIndex` by the kernel and again here.
    private func dump(interfaceIndex: Int32, socket: RouteNetlinkSocket, _ state: inout State) throws(IPVSError) -> Set<IPAddress> {
        var exchange = state.session.begin(.dump)
        let request = try AddressMessages.dumpRequest(interfaceIndex: interfaceIndex, sequence: exchange.firstSequence)
        let deadline = ContinuousClock.now.advanced(by: configuration.timeout)
        state.counters.dumps += 1
        var addresses = Set<IPAddress>()
        for data in try state.session.converse(&exchange, sending: request, on: socket, before: deadline) {
            if let address = try Self.address(in: data, interfaceIndex: interfaceIndex) { addresses.insert(address) }
        }
        if let failure = exchange.failures.first {
            throw IPVSError(
                failure.errno == EPERM ? .permissionDenied : .commandFailed,
                "the address dump failed: \(IPVSError.errnoText(failure.errno))", errno: failure.errno,
                kernelMessage: failure.kernelMessage)
        }
        if exchange.interrupted {
            throw IPVSError(.dumpInterrupted, "the addresses changed while they were read")
        }
        return addresses
    }

    // MARK: - Plumbing

    /// Runs `body` with the socket, opening a new one (with the receive buffer size learned so
    /// far) when the last one was replaced. Our own exchanges settle the socket themselves; what
    /// else `body` throws comes from libnl's link operations, which read their replies to the
    /// end or time out, and goes through the same rule.
    private func withSocket<T>(_ body: @Sendable (RouteNetlinkSocket, inout State) throws(IPVSError) -> T) throws(IPVSError) -> T {
        try state.withLock { state throws(IPVSError) -> T in
            let socket = try state.session.current { size throws(IPVSError) in
                try RouteNetlinkSocket(namespace: configuration.namespace, timeout: configuration.timeout, receiveBufferSize: size)
            }
            do throws(IPVSError) {
                return try body(socket, &state)
            } catch {
                state.session.settle(after: error, repliesOutstanding: false)
                throw error
            }
        }
    }

    /// The address a dump message carries, when it is one we manage: on `interfaceIndex` and not
    /// IPv6 link-local.
    private static func address(in data: NetlinkMessage, interfaceIndex: Int32) throws(IPVSError) -> IPAddress? {
        guard data.header.type == AddressMessages.newAddress else { return nil }
        let entry: AddressMessages.DumpedAddress?
        do {
            entry = try AddressMessages.dumped(data)
        } catch {
            throw IPVSError(.malformedReply, "the kernel's rtnetlink reply could not be decoded", cause: error)
        }
        guard let entry, entry.interfaceIndex == interfaceIndex, !entry.address.isIPv6LinkLocal else { return nil }
        return entry.address
    }

    /// The kernel's rule for interface names (`dev_valid_name`): 1 to 15 bytes, not `.` or
    /// `..`, no `/`, `:` or white space.
    static func validate(interfaceName name: String) throws(IPVSError) {
        let bytes = Array(name.utf8)
        let forbidden: Set<UInt8> = [
            UInt8(ascii: "/"), UInt8(ascii: ":"), UInt8(ascii: " "), UInt8(ascii: "\t"),
            UInt8(ascii: "\n"), 0x0B, 0x0C, UInt8(ascii: "\r"), 0,
        ]
        guard (1...15).contains(bytes.count), name != ".", name != "..", !bytes.contains(where: forbidden.contains) else {
            throw IPVSError(
                .commandFailed, "'\(name)' is not a valid interface name (1 to 15 bytes, no '/', ':' or spaces)",
                object: "interface \(name)", errno: EINVAL)
        }
    }

    /// Refuses any link that is not a dummy (`IFLA_INFO_KIND` "dummy").
    private static func requireDummy(_ link: OpaquePointer, name: String) throws(IPVSError) {
        let kind = rtnl_link_get_type(link).map { String(cString: $0) }
        guard kind == "dummy" else {
            throw IPVSError(
                .commandFailed,
                "\(name) exists and is \(kind.map { "a \($0) link" } ?? "a link without a kind (a physical device?)"), not a dummy: it is left untouched",
                object: "interface \(name)", errno: EEXIST)
        }
    }
}
