/// The IPVS generic-netlink family, as `linux/ip_vs.h` defines it.
public enum IPVSFamily {
    /// Corresponds to `IPVS_GENL_NAME`.
    public static let name = "IPVS"
    /// Corresponds to `IPVS_GENL_VERSION`.
    public static let version: UInt8 = 1
}

/// Corresponds to the `IPVS_CMD_*` commands.
public enum IPVSCommand: UInt8, Sendable, CaseIterable {
    /// Corresponds to `IPVS_CMD_NEW_SERVICE`.
    case newService = 1
    /// Corresponds to `IPVS_CMD_SET_SERVICE`.
    case setService = 2
    /// Corresponds to `IPVS_CMD_DEL_SERVICE`.
    case deleteService = 3
    /// Corresponds to `IPVS_CMD_GET_SERVICE`.
    case getService = 4
    /// Corresponds to `IPVS_CMD_NEW_DEST`.
    case newDestination = 5
    /// Corresponds to `IPVS_CMD_SET_DEST`.
    case setDestination = 6
    /// Corresponds to `IPVS_CMD_DEL_DEST`.
    case deleteDestination = 7
    /// Corresponds to `IPVS_CMD_GET_DEST`.
    case getDestination = 8
    /// Corresponds to `IPVS_CMD_NEW_DAEMON`.
    case newDaemon = 9
    /// Corresponds to `IPVS_CMD_DEL_DAEMON`.
    case deleteDaemon = 10
    /// Corresponds to `IPVS_CMD_GET_DAEMON`.
    case getDaemon = 11
    /// Corresponds to `IPVS_CMD_SET_CONFIG`.
    case setConfig = 12
    /// Corresponds to `IPVS_CMD_GET_CONFIG`.
    case getConfig = 13
    /// Corresponds to `IPVS_CMD_SET_INFO`: only ever the command of a `GET_INFO` reply.
    case setInfo = 14
    /// Corresponds to `IPVS_CMD_GET_INFO`.
    case getInfo = 15
    /// Corresponds to `IPVS_CMD_ZERO`.
    case zero = 16
    /// Corresponds to `IPVS_CMD_FLUSH`.
    case flush = 17
}

/// Corresponds to the `IPVS_CMD_ATTR_*` top-level attributes.
public enum CommandAttribute {
    /// Corresponds to `IPVS_CMD_ATTR_SERVICE` (nested).
    public static let service: UInt16 = 1
    /// Corresponds to `IPVS_CMD_ATTR_DEST` (nested).
    public static let destination: UInt16 = 2
    /// Corresponds to `IPVS_CMD_ATTR_DAEMON` (nested).
    public static let daemon: UInt16 = 3
    /// Corresponds to `IPVS_CMD_ATTR_TIMEOUT_TCP`.
    public static let timeoutTCP: UInt16 = 4
    /// Corresponds to `IPVS_CMD_ATTR_TIMEOUT_TCP_FIN`.
    public static let timeoutTCPFin: UInt16 = 5
    /// Corresponds to `IPVS_CMD_ATTR_TIMEOUT_UDP`.
    public static let timeoutUDP: UInt16 = 6
}

/// Corresponds to the `IPVS_SVC_ATTR_*` attributes inside `IPVS_CMD_ATTR_SERVICE`.
public enum ServiceAttribute {
    /// Corresponds to `IPVS_SVC_ATTR_AF` (u16).
    public static let addressFamily: UInt16 = 1
    /// Corresponds to `IPVS_SVC_ATTR_PROTOCOL` (u16).
    public static let `protocol`: UInt16 = 2
    /// Corresponds to `IPVS_SVC_ATTR_ADDR` (16 bytes, `union nf_inet_addr`).
    public static let address: UInt16 = 3
    /// Corresponds to `IPVS_SVC_ATTR_PORT` (u16, network order).
    public static let port: UInt16 = 4
    /// Corresponds to `IPVS_SVC_ATTR_FWMARK` (u32).
    public static let firewallMark: UInt16 = 5
    /// Corresponds to `IPVS_SVC_ATTR_SCHED_NAME` (string).
    public static let schedulerName: UInt16 = 6
    /// Corresponds to `IPVS_SVC_ATTR_FLAGS` (`struct ip_vs_flags`: flags, mask).
    public static let flags: UInt16 = 7
    /// Corresponds to `IPVS_SVC_ATTR_TIMEOUT` (u32 seconds).
    public static let timeout: UInt16 = 8
    /// Corresponds to `IPVS_SVC_ATTR_NETMASK` (u32).
    public static let netmask: UInt16 = 9
    /// Corresponds to `IPVS_SVC_ATTR_STATS` (nested, 32-bit counters).
    public static let statistics: UInt16 = 10
    /// Corresponds to `IPVS_SVC_ATTR_PE_NAME` (string).
    public static let persistenceEngineName: UInt16 = 11
    /// Corresponds to `IPVS_SVC_ATTR_STATS64` (nested, 64-bit counters).
    public static let statistics64: UInt16 = 12
}

/// Corresponds to the `IPVS_DEST_ATTR_*` attributes inside `IPVS_CMD_ATTR_DEST`.
public enum DestinationAttribute {
    /// Corresponds to `IPVS_DEST_ATTR_ADDR` (16 bytes).
    public static let address: UInt16 = 1
    /// Corresponds to `IPVS_DEST_ATTR_PORT` (u16, network order).
    public static let port: UInt16 = 2
    /// Corresponds to `IPVS_DEST_ATTR_FWD_METHOD` (u32).
    public static let forwardingMethod: UInt16 = 3
    /// Corresponds to `IPVS_DEST_ATTR_WEIGHT` (u32, signed in the kernel).
    public static let weight: UInt16 = 4
    /// Corresponds to `IPVS_DEST_ATTR_U_THRESH` (u32).
    public static let upperThreshold: UInt16 = 5
    /// Corresponds to `IPVS_DEST_ATTR_L_THRESH` (u32).
    public static let lowerThreshold: UInt16 = 6
    /// Corresponds to `IPVS_DEST_ATTR_ACTIVE_CONNS` (u32, read only).
    public static let activeConnections: UInt16 = 7
    /// Corresponds to `IPVS_DEST_ATTR_INACT_CONNS` (u32, read only).
    public static let inactiveConnections: UInt16 = 8
    /// Corresponds to `IPVS_DEST_ATTR_PERSIST_CONNS` (u32, read only).
    public static let persistentConnections: UInt16 = 9
    /// Corresponds to `IPVS_DEST_ATTR_STATS` (nested, 32-bit counters).
    public static let statistics: UInt16 = 10
    /// Corresponds to `IPVS_DEST_ATTR_ADDR_FAMILY` (u16).
    public static let addressFamily: UInt16 = 11
    /// Corresponds to `IPVS_DEST_ATTR_STATS64` (nested, 64-bit counters).
    public static let statistics64: UInt16 = 12
    /// Corresponds to `IPVS_DEST_ATTR_TUN_TYPE` (u8).
    public static let tunnelType: UInt16 = 13
    /// Corresponds to `IPVS_DEST_ATTR_TUN_PORT` (u16, network order).
    public static let tunnelPort: UInt16 = 14
    /// Corresponds to `IPVS_DEST_ATTR_TUN_FLAGS` (u16).
    public static let tunnelFlags: UInt16 = 15
}

/// Corresponds to the `IPVS_STATS_ATTR_*` attributes inside the statistics nests.
public enum StatisticsAttribute {
    /// Corresponds to `IPVS_STATS_ATTR_CONNS`.
    public static let connections: UInt16 = 1
    /// Corresponds to `IPVS_STATS_ATTR_INPKTS`.
    public static let incomingPackets: UInt16 = 2
    /// Corresponds to `IPVS_STATS_ATTR_OUTPKTS`.
    public static let outgoingPackets: UInt16 = 3
    /// Corresponds to `IPVS_STATS_ATTR_INBYTES`.
    public static let incomingBytes: UInt16 = 4
    /// Corresponds to `IPVS_STATS_ATTR_OUTBYTES`.
    public static let outgoingBytes: UInt16 = 5
    /// Corresponds to `IPVS_STATS_ATTR_CPS`.
    public static let connectionRate: UInt16 = 6
    /// Corresponds to `IPVS_STATS_ATTR_INPPS`.
    public static let incomingPacketRate: UInt16 = 7
    /// Corresponds to `IPVS_STATS_ATTR_OUTPPS`.
    public static let outgoingPacketRate: UInt16 = 8
    /// Corresponds to `IPVS_STATS_ATTR_INBPS`.
    public static let incomingByteRate: UInt16 = 9
    /// Corresponds to `IPVS_STATS_ATTR_OUTBPS`.
    public static let outgoingByteRate: UInt16 = 10
}

/// Corresponds to the `IPVS_INFO_ATTR_*` attributes of a `GET_INFO` reply.
public enum InfoAttribute {
    /// Corresponds to `IPVS_INFO_ATTR_VERSION`.
    public static let version: UInt16 = 1
    /// Corresponds to `IPVS_INFO_ATTR_CONN_TAB_SIZE`.
    public static let connectionTableSize: UInt16 = 2
}

/// Corresponds to the `IPVS_DAEMON_ATTR_*` attributes inside `IPVS_CMD_ATTR_DAEMON`.
public enum DaemonAttribute {
    /// Corresponds to `IPVS_DAEMON_ATTR_STATE` (u32).
    public static let state: UInt16 = 1
    /// Corresponds to `IPVS_DAEMON_ATTR_MCAST_IFN` (string).
    public static let multicastInterface: UInt16 = 2
    /// Corresponds to `IPVS_DAEMON_ATTR_SYNC_ID` (u32).
    public static let syncID: UInt16 = 3
    /// Corresponds to `IPVS_DAEMON_ATTR_SYNC_MAXLEN` (u16).
    public static let syncMaximumLength: UInt16 = 4
    /// Corresponds to `IPVS_DAEMON_ATTR_MCAST_GROUP` (IPv4 address, network order).
    public static let multicastGroup: UInt16 = 5
    /// Corresponds to `IPVS_DAEMON_ATTR_MCAST_GROUP6` (16 bytes).
    public static let multicastGroup6: UInt16 = 6
    /// Corresponds to `IPVS_DAEMON_ATTR_MCAST_PORT` (u16 in host order: the kernel's default, 8848,
    /// reads back that way).
    public static let multicastPort: UInt16 = 7
    /// Corresponds to `IPVS_DAEMON_ATTR_MCAST_TTL` (u8).
    public static let multicastTTL: UInt16 = 8
}
