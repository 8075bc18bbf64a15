/// Traffic counters and rate estimates of a virtual service or real server, 64 bits wide.
/// Corresponds to the nested `IPVS_*_ATTR_STATS64` (or, on kernels before 4.1, the 32-bit
/// `IPVS_*_ATTR_STATS`, widened).
public struct Statistics: Hashable, Sendable {
    /// Corresponds to `IPVS_STATS_ATTR_CONNS`.
    public var connections: UInt64 = 0
    /// Corresponds to `IPVS_STATS_ATTR_INPKTS`.
    public var incomingPackets: UInt64 = 0
    /// Corresponds to `IPVS_STATS_ATTR_OUTPKTS`.
    public var outgoingPackets: UInt64 = 0
    /// Corresponds to `IPVS_STATS_ATTR_INBYTES`.
    public var incomingBytes: UInt64 = 0
    /// Corresponds to `IPVS_STATS_ATTR_OUTBYTES`.
    public var outgoingBytes: UInt64 = 0
    /// Connections per second. Corresponds to `IPVS_STATS_ATTR_CPS`.
    public var connectionRate: UInt64 = 0
    /// Corresponds to `IPVS_STATS_ATTR_INPPS`.
    public var incomingPacketRate: UInt64 = 0
    /// Corresponds to `IPVS_STATS_ATTR_OUTPPS`.
    public var outgoingPacketRate: UInt64 = 0
    /// Corresponds to `IPVS_STATS_ATTR_INBPS`.
    public var incomingByteRate: UInt64 = 0
    /// Corresponds to `IPVS_STATS_ATTR_OUTBPS`.
    public var outgoingByteRate: UInt64 = 0

    public init() {}
}

/// A virtual service as read from the kernel: its configuration and its counters.
public struct ObservedVirtualService: Hashable, Sendable {
    public var service: VirtualService
    public var statistics: Statistics

    public init(service: VirtualService, statistics: Statistics = Statistics()) {
        self.service = service
        self.statistics = statistics
    }
}

/// A real server as read from the kernel: its configuration, its connections and counters.
public struct ObservedRealServer: Hashable, Sendable {
    public var server: RealServer
    /// Corresponds to `IPVS_DEST_ATTR_ACTIVE_CONNS`.
    public var activeConnections: UInt32
    /// Corresponds to `IPVS_DEST_ATTR_INACT_CONNS`.
    public var inactiveConnections: UInt32
    /// Corresponds to `IPVS_DEST_ATTR_PERSIST_CONNS`.
    public var persistentConnections: UInt32
    public var statistics: Statistics

    public init(
        server: RealServer,
        activeConnections: UInt32 = 0,
        inactiveConnections: UInt32 = 0,
        persistentConnections: UInt32 = 0,
        statistics: Statistics = Statistics()
    ) {
        self.server = server
        self.activeConnections = activeConnections
        self.inactiveConnections = inactiveConnections
        self.persistentConnections = persistentConnections
        self.statistics = statistics
    }
}

/// A virtual service with its real servers, as one full read of the kernel returns them.
public struct ObservedTableEntry: Hashable, Sendable {
    public var virtualService: ObservedVirtualService
    public var realServers: [ObservedRealServer]

    public init(virtualService: ObservedVirtualService, realServers: [ObservedRealServer]) {
        self.virtualService = virtualService
        self.realServers = realServers
    }
}

/// General facts about the kernel's IPVS. Corresponds to the reply of `IPVS_CMD_GET_INFO`.
public struct IPVSInfo: Hashable, Sendable {
    /// Corresponds to `IPVS_INFO_ATTR_VERSION`, as `major << 16 | minor << 8 | patch`.
    public var version: UInt32
    /// Corresponds to `IPVS_INFO_ATTR_CONN_TAB_SIZE`.
    public var connectionTableSize: UInt32

    public init(version: UInt32, connectionTableSize: UInt32) {
        self.version = version
        self.connectionTableSize = connectionTableSize
    }

    /// `1.2.1`, the way `ipvsadm` prints it.
    public var versionString: String {
        "\(version >> 16).\(version >> 8 & 0xFF).\(version & 0xFF)"
    }
}

/// Connection timeouts in seconds. Corresponds to `IPVS_CMD_ATTR_TIMEOUT_TCP`,
/// `IPVS_CMD_ATTR_TIMEOUT_TCP_FIN` and `IPVS_CMD_ATTR_TIMEOUT_UDP`. On write, 0 leaves a
/// timeout as it is.
public struct Timeouts: Hashable, Sendable {
    public var tcp: UInt32
    public var tcpFin: UInt32
    public var udp: UInt32

    public init(tcp: UInt32 = 0, tcpFin: UInt32 = 0, udp: UInt32 = 0) {
        self.tcp = tcp
        self.tcpFin = tcpFin
        self.udp = udp
    }
}

/// A connection-synchronisation daemon: the kernel thread that mirrors IPVS connections from a
/// master director to backup directors over multicast. Corresponds to `IPVS_CMD_ATTR_DAEMON`.
public struct SyncDaemon: Hashable, Sendable {
    /// Corresponds to `IPVS_DAEMON_ATTR_STATE`.
    public enum Role: UInt32, Hashable, Sendable, CaseIterable {
        /// Corresponds to `IP_VS_STATE_MASTER`.
        case master = 1
        /// Corresponds to `IP_VS_STATE_BACKUP`.
        case backup = 2
    }

    public var role: Role
    /// Corresponds to `IPVS_DAEMON_ATTR_MCAST_IFN`.
    public var interface: String
    /// Corresponds to `IPVS_DAEMON_ATTR_SYNC_ID`: directors of one cluster share it.
    public var syncID: UInt32
    /// Corresponds to `IPVS_DAEMON_ATTR_SYNC_MAXLEN`: UDP payload size; nil lets the kernel choose.
    public var maximumLength: UInt16?
    /// Corresponds to `IPVS_DAEMON_ATTR_MCAST_GROUP` / `_GROUP6`; nil means 224.0.0.81.
    public var group: IPAddress?
    /// Corresponds to `IPVS_DAEMON_ATTR_MCAST_PORT`; nil means 8848.
    public var port: UInt16?
    /// Corresponds to `IPVS_DAEMON_ATTR_MCAST_TTL`; nil means 1.
    public var ttl: UInt8?

    public init(
        role: Role, interface: String, syncID: UInt32, maximumLength: UInt16? = nil,
        group: IPAddress? = nil, port: UInt16? = nil, ttl: UInt8? = nil
    ) {
        self.role = role
        self.interface = interface
        self.syncID = syncID
        self.maximumLength = maximumLength
        self.group = group
        self.port = port
        self.ttl = ttl
    }
}
