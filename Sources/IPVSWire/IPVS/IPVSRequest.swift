import IPVSCore

/// One IPVS command, as user space sends it. Every request the family knows how to answer.
public enum IPVSRequest: Hashable, Sendable {
    /// Corresponds to `IPVS_CMD_NEW_SERVICE`.
    case newService(VirtualService)
    /// Corresponds to `IPVS_CMD_SET_SERVICE`.
    case setService(VirtualService)
    /// Corresponds to `IPVS_CMD_DEL_SERVICE`: its real servers go with it.
    case deleteService(VirtualServiceKey)
    /// Corresponds to `IPVS_CMD_GET_SERVICE` for one service.
    case getService(VirtualServiceKey)
    /// Corresponds to `IPVS_CMD_GET_SERVICE` with `NLM_F_DUMP`.
    case dumpServices
    /// Corresponds to `IPVS_CMD_NEW_DEST`.
    case newRealServer(RealServer, service: VirtualServiceKey)
    /// Corresponds to `IPVS_CMD_SET_DEST`.
    case setRealServer(RealServer, service: VirtualServiceKey)
    /// Corresponds to `IPVS_CMD_DEL_DEST`.
    case deleteRealServer(RealServerKey, service: VirtualServiceKey)
    /// Corresponds to `IPVS_CMD_GET_DEST` with `NLM_F_DUMP`.
    case dumpRealServers(service: VirtualServiceKey)
    /// Corresponds to `IPVS_CMD_GET_INFO`.
    case getInfo
    /// Corresponds to `IPVS_CMD_GET_CONFIG`.
    case getTimeouts
    /// Corresponds to `IPVS_CMD_SET_CONFIG`.
    case setTimeouts(Timeouts)
    /// Corresponds to `IPVS_CMD_ZERO`: one service's counters, or every counter when nil.
    case zeroCounters(service: VirtualServiceKey?)
    /// Corresponds to `IPVS_CMD_NEW_DAEMON`.
    case startSyncDaemon(SyncDaemon)
    /// Corresponds to `IPVS_CMD_DEL_DAEMON`.
    case stopSyncDaemon(SyncDaemon.Role)
    /// Corresponds to `IPVS_CMD_GET_DAEMON` (always a dump).
    case dumpSyncDaemons
    /// Corresponds to `IPVS_CMD_FLUSH`: every service of the namespace. Never used by the
    /// reconciler, which owns only what it made.
    case flush

    public var command: IPVSCommand {
        switch self {
        case .newService: .newService
        case .setService: .setService
        case .deleteService: .deleteService
        case .getService, .dumpServices: .getService
        case .newRealServer: .newDestination
        case .setRealServer: .setDestination
        case .deleteRealServer: .deleteDestination
        case .dumpRealServers: .getDestination
        case .getInfo: .getInfo
        case .getTimeouts: .getConfig
        case .setTimeouts: .setConfig
        case .zeroCounters: .zero
        case .flush: .flush
        case .startSyncDaemon: .newDaemon
        case .stopSyncDaemon: .deleteDaemon
        case .dumpSyncDaemons: .getDaemon
        }
    }

    /// Whether the kernel answers with a multi-part dump ended by `NLMSG_DONE`.
    public var isDump: Bool {
        switch self {
        case .dumpServices, .dumpRealServers, .dumpSyncDaemons: true
        default: false
        }
    }

    /// Whether the request changes kernel state (and so counts as a write).
    public var isWrite: Bool {
        switch self {
        case .getService, .dumpServices, .dumpRealServers, .getInfo, .getTimeouts, .dumpSyncDaemons: false
        default: true
        }
    }

    /// The object the request concerns, in the words of error messages and logs.
    public var object: String {
        switch self {
        case .newService(let service), .setService(let service): "\(service.key)"
        case .deleteService(let key), .getService(let key), .dumpRealServers(let key): "\(key)"
        case .newRealServer(let server, let key), .setRealServer(let server, let key):
            "\(key) -> \(server.key)"
        case .deleteRealServer(let server, let key): "\(key) -> \(server)"
        case .zeroCounters(let key): key.map { "\($0)" } ?? "all services"
        case .dumpServices, .flush: "all services"
        case .getInfo: "IPVS info"
        case .getTimeouts, .setTimeouts: "IPVS timeouts"
        case .startSyncDaemon(let daemon): "\(daemon.role) sync daemon on \(daemon.interface)"
        case .stopSyncDaemon(let role): "\(role) sync daemon"
        case .dumpSyncDaemons: "sync daemons"
        }
    }

    /// Appends this request as one generic-netlink message.
    ///
    /// - Parameters:
    ///   - family: the IPVS family id resolved at run time.
    ///   - acknowledge: set `NLM_F_ACK`. A batch asks for it on its last message only: the
    ///     kernel reports errors for every message anyway, and each ACK costs receive buffer.
    public func encode(into writer: inout NetlinkMessageWriter, family: UInt16, sequence: UInt32, acknowledge: Bool) {
        var flags: NetlinkMessageFlags = .request
        if acknowledge { flags.insert(.ack) }
        if isDump { flags.formUnion(.dump) }
        writer.beginMessage(
            type: family, flags: flags, sequence: sequence,
            genericHeader: GenericNetlinkHeader(command: command.rawValue, version: IPVSFamily.version))
        switch self {
        case .newService(let service), .setService(let service):
            writer.beginNest(CommandAttribute.service)
            Self.encodeKey(service.key, into: &writer)
            writer.attribute(ServiceAttribute.schedulerName, string: service.scheduler.rawValue)
            if let engine = service.persistenceEngine {
                writer.attribute(ServiceAttribute.persistenceEngineName, string: engine)
            }
            // struct ip_vs_flags { flags, mask }: a full mask replaces every settable bit.
            writer.attribute(ServiceAttribute.flags, value: (service.flags.subtracting(.hashed).rawValue, UInt32.max))
            writer.attribute(ServiceAttribute.timeout, service.timeout)
            writer.attribute(ServiceAttribute.netmask, Self.wireNetmask(service.netmask, family: service.key.family))
            writer.endNest()
        case .deleteService(let key), .getService(let key), .dumpRealServers(let key):
            Self.encodeServiceNest(key, into: &writer)
        case .newRealServer(let server, let key), .setRealServer(let server, let key):
            Self.encodeServiceNest(key, into: &writer)
            writer.beginNest(CommandAttribute.destination)
            Self.encodeDestinationKey(server.key, into: &writer)
            writer.attribute(DestinationAttribute.forwardingMethod, server.forwarding.kernelValue)
            writer.attribute(DestinationAttribute.weight, server.weight)
            writer.attribute(DestinationAttribute.upperThreshold, server.upperThreshold)
            writer.attribute(DestinationAttribute.lowerThreshold, server.lowerThreshold)
            if case .tunnel(let tunnel) = server.forwarding {
                writer.attribute(DestinationAttribute.tunnelType, tunnel.kind.rawValue)
                writer.attribute(DestinationAttribute.tunnelPort, bigEndian: tunnel.port)
                writer.attribute(DestinationAttribute.tunnelFlags, tunnel.checksum.rawValue)
            }
            writer.endNest()
        case .deleteRealServer(let server, let key):
            Self.encodeServiceNest(key, into: &writer)
            writer.beginNest(CommandAttribute.destination)
            Self.encodeDestinationKey(server, into: &writer)
            writer.endNest()
        case .setTimeouts(let timeouts):
            writer.attribute(CommandAttribute.timeoutTCP, timeouts.tcp)
            writer.attribute(CommandAttribute.timeoutTCPFin, timeouts.tcpFin)
            writer.attribute(CommandAttribute.timeoutUDP, timeouts.udp)
        case .zeroCounters(let key):
            if let key { Self.encodeServiceNest(key, into: &writer) }
        case .startSyncDaemon(let daemon):
            writer.beginNest(CommandAttribute.daemon)
            writer.attribute(DaemonAttribute.state, daemon.role.rawValue)
            writer.attribute(DaemonAttribute.multicastInterface, string: daemon.interface)
            writer.attribute(DaemonAttribute.syncID, daemon.syncID)
            if let length = daemon.maximumLength { writer.attribute(DaemonAttribute.syncMaximumLength, length) }
            switch daemon.group {
            case .v4(let group)?: writer.attribute(DaemonAttribute.multicastGroup, bytes: group.bytes)
            case .v6(let group)?: writer.attribute(DaemonAttribute.multicastGroup6, bytes: group.bytes)
            case nil: break
            }
            // Host order, unlike every other IPVS port: the kernel's own default reads back so.
            if let port = daemon.port { writer.attribute(DaemonAttribute.multicastPort, port) }
            if let ttl = daemon.ttl { writer.attribute(DaemonAttribute.multicastTTL, ttl) }
            writer.endNest()
        case .stopSyncDaemon(let role):
            writer.beginNest(CommandAttribute.daemon)
            writer.attribute(DaemonAttribute.state, role.rawValue)
            writer.endNest()
        case .dumpServices, .getInfo, .getTimeouts, .flush, .dumpSyncDaemons:
            break
        }
        writer.endMessage()
    }

    private static func encodeServiceNest(_ key: VirtualServiceKey, into writer: inout NetlinkMessageWriter) {
        writer.beginNest(CommandAttribute.service)
        encodeKey(key, into: &writer)
        writer.endNest()
    }

    private static func encodeKey(_ key: VirtualServiceKey, into writer: inout NetlinkMessageWriter) {
        writer.attribute(ServiceAttribute.addressFamily, key.family.rawValue)
        switch key {
        case .address(let address, let port, let proto):
            writer.attribute(ServiceAttribute.protocol, proto.rawValue)
            writer.attribute(ServiceAttribute.address, value: kernelAddress(address))
            writer.attribute(ServiceAttribute.port, bigEndian: port)
        case .firewallMark(let mark, _):
            writer.attribute(ServiceAttribute.firewallMark, mark)
        }
    }

    private static func encodeDestinationKey(_ key: RealServerKey, into writer: inout NetlinkMessageWriter) {
        writer.attribute(DestinationAttribute.address, value: kernelAddress(key.address))
        writer.attribute(DestinationAttribute.port, bigEndian: key.port)
        // Always sent: without it an IPv6 real server of an IPv4 service is misread (moby/ipvs#22).
        writer.attribute(DestinationAttribute.addressFamily, key.address.family.rawValue)
    }

    /// The 16 bytes of `union nf_inet_addr` as they lie in memory, network order, IPv4 in the
    /// first four.
    static func kernelAddress(_ address: IPAddress) -> (UInt64, UInt64) {
        switch address {
        case .v4(let v4): (UInt64(v4.value.bigEndian), 0)
        case .v6(let v6): (v6.high.bigEndian, v6.low.bigEndian)
        }
    }

    /// The kernel keeps an IPv4 netmask as `__be32` and an IPv6 one as a prefix length.
    static func wireNetmask(_ netmask: UInt32, family: AddressFamily) -> UInt32 {
        switch family {
        case .inet: UInt32(bigEndian: netmask)
        case .inet6: netmask
        }
    }
}
