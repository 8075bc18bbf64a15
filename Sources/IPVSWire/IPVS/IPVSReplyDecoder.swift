import IPVSCore

/// Turns the kernel's IPVS replies into model values, normalised so that what was written reads
/// back equal: the `HASHED` flag is masked, a real server without `ADDR_FAMILY` takes its
/// service's family, and 16-byte addresses are cut to their family's length.
public enum IPVSReplyDecoder {
    /// Decodes one entry of a service dump or the reply to a `GET_SERVICE`.
    public static func virtualService(from message: NetlinkMessage) throws(WireDecodingError) -> ObservedVirtualService {
        let top = try attributes(of: message, context: "service reply")
        guard let nest = top[CommandAttribute.service] else {
            throw WireDecodingError(.missingAttribute, "no IPVS_CMD_ATTR_SERVICE", context: "service reply")
        }
        return try virtualService(from: nest.nested())
    }

    static func virtualService(from attributes: AttributeSequence) throws(WireDecodingError) -> ObservedVirtualService {
        let context = "service"
        let family = try addressFamily(require(attributes, ServiceAttribute.addressFamily, "IPVS_SVC_ATTR_AF", context).u16(), context)
        let key: VirtualServiceKey
        if let mark = attributes[ServiceAttribute.firewallMark], try mark.u32() != 0 {
            key = .firewallMark(try mark.u32(), family: family)
        } else {
            let protoNumber = try require(attributes, ServiceAttribute.protocol, "IPVS_SVC_ATTR_PROTOCOL", context).u16()
            guard let proto = TransportProtocol(rawValue: protoNumber) else {
                throw WireDecodingError(.invalidValue, "unknown protocol \(protoNumber)", context: context)
            }
            let address = try self.address(
                require(attributes, ServiceAttribute.address, "IPVS_SVC_ATTR_ADDR", context), family: family, context)
            let port = try require(attributes, ServiceAttribute.port, "IPVS_SVC_ATTR_PORT", context).u16BigEndian()
            key = .address(address, port: port, protocol: proto)
        }
        let scheduler = try require(attributes, ServiceAttribute.schedulerName, "IPVS_SVC_ATTR_SCHED_NAME", context).string()
        let flagsValue = try require(attributes, ServiceAttribute.flags, "IPVS_SVC_ATTR_FLAGS", context).u32()
        let timeout = try attributes[ServiceAttribute.timeout]?.u32() ?? 0
        let wireNetmask = try attributes[ServiceAttribute.netmask]?.u32()
        let netmask = wireNetmask.map { IPVSRequest.wireNetmask($0, family: family) }
        let engine = try attributes[ServiceAttribute.persistenceEngineName]?.string()
        let service = VirtualService(
            key: key, scheduler: Scheduler(rawValue: scheduler),
            flags: ServiceFlags(rawValue: flagsValue).subtracting(.hashed),
            timeout: timeout, netmask: netmask,
            persistenceEngine: engine.flatMap { $0.isEmpty ? nil : $0 })
        return ObservedVirtualService(
            service: service,
            statistics: try statistics(
                in: attributes,
                wide: ServiceAttribute.statistics64, narrow: ServiceAttribute.statistics))
    }

    /// Decodes one entry of a real-server dump of a service of family `serviceFamily`.
    public static func realServer(
        from message: NetlinkMessage, serviceFamily: AddressFamily
    ) throws(WireDecodingError) -> ObservedRealServer {
        let top = try attributes(of: message, context: "destination reply")
        guard let nest = top[CommandAttribute.destination] else {
            throw WireDecodingError(.missingAttribute, "no IPVS_CMD_ATTR_DEST", context: "destination reply")
        }
        return try realServer(from: nest.nested(), serviceFamily: serviceFamily)
    }

    static func realServer(from attributes: AttributeSequence, serviceFamily: AddressFamily) throws(WireDecodingError) -> ObservedRealServer
    {
        let context = "destination"
        let family =
            try attributes[DestinationAttribute.addressFamily].map { attribute throws(WireDecodingError) in
                try addressFamily(attribute.u16(), context)
            } ?? serviceFamily
        let address = try self.address(
            require(attributes, DestinationAttribute.address, "IPVS_DEST_ATTR_ADDR", context), family: family, context)
        let port = try require(attributes, DestinationAttribute.port, "IPVS_DEST_ATTR_PORT", context).u16BigEndian()
        let method = try require(attributes, DestinationAttribute.forwardingMethod, "IPVS_DEST_ATTR_FWD_METHOD", context).u32() & 0x7
        let forwarding: ForwardingMethod
        switch method {
        case 0: forwarding = .masquerade
        case 1: forwarding = .localNode
        case 2:
            let kindValue = try attributes[DestinationAttribute.tunnelType]?.u8() ?? 0
            let checksumValue = try attributes[DestinationAttribute.tunnelFlags]?.u16() ?? 0
            guard let kind = Tunnel.Kind(rawValue: kindValue) else {
                throw WireDecodingError(.invalidValue, "unknown tunnel type \(kindValue)", context: context)
            }
            guard let checksum = Tunnel.Checksum(rawValue: checksumValue) else {
                throw WireDecodingError(.invalidValue, "unknown tunnel flags \(checksumValue)", context: context)
            }
            let tunnelPort = try attributes[DestinationAttribute.tunnelPort]?.u16BigEndian() ?? 0
            forwarding = .tunnel(Tunnel(kind: kind, port: tunnelPort, checksum: checksum))
        case 3: forwarding = .directRoute
        case 4: forwarding = .bypass
        default:
            throw WireDecodingError(.invalidValue, "unknown forwarding method \(method)", context: context)
        }
        let server = RealServer(
            address: address, port: port, forwarding: forwarding,
            weight: try require(attributes, DestinationAttribute.weight, "IPVS_DEST_ATTR_WEIGHT", context).u32(),
            upperThreshold: try attributes[DestinationAttribute.upperThreshold]?.u32() ?? 0,
            lowerThreshold: try attributes[DestinationAttribute.lowerThreshold]?.u32() ?? 0)
        return ObservedRealServer(
            server: server,
            activeConnections: try attributes[DestinationAttribute.activeConnections]?.u32() ?? 0,
            inactiveConnections: try attributes[DestinationAttribute.inactiveConnections]?.u32() ?? 0,
            persistentConnections: try attributes[DestinationAttribute.persistentConnections]?.u32() ?? 0,
            statistics: try statistics(in: attributes, wide: DestinationAttribute.statistics64, narrow: DestinationAttribute.statistics))
    }

    /// Decodes one entry of a sync-daemon dump.
    public static func syncDaemon(from message: NetlinkMessage) throws(WireDecodingError) -> SyncDaemon {
        let context = "daemon"
        let top = try attributes(of: message, context: "daemon reply")
        guard let nest = top[CommandAttribute.daemon] else {
            throw WireDecodingError(.missingAttribute, "no IPVS_CMD_ATTR_DAEMON", context: "daemon reply")
        }
        let values = try nest.nested()
        let stateValue = try require(values, DaemonAttribute.state, "IPVS_DAEMON_ATTR_STATE", context).u32()
        guard let role = SyncDaemon.Role(rawValue: stateValue) else {
            throw WireDecodingError(.invalidValue, "unknown daemon state \(stateValue)", context: context)
        }
        var group: IPAddress?
        if let v4 = values[DaemonAttribute.multicastGroup], let address = IPv4Address(bytes: v4.value.prefix(4)), v4.value.count >= 4 {
            group = .v4(address)
        } else if let v6 = values[DaemonAttribute.multicastGroup6], let address = IPv6Address(bytes: v6.value.prefix(16)),
            v6.value.count >= 16
        {
            group = .v6(address)
        }
        return SyncDaemon(
            role: role,
            interface: try require(values, DaemonAttribute.multicastInterface, "IPVS_DAEMON_ATTR_MCAST_IFN", context).string(),
            syncID: try require(values, DaemonAttribute.syncID, "IPVS_DAEMON_ATTR_SYNC_ID", context).u32(),
            maximumLength: try values[DaemonAttribute.syncMaximumLength]?.u16(),
            group: group,
            port: try values[DaemonAttribute.multicastPort]?.u16(),
            ttl: try values[DaemonAttribute.multicastTTL]?.u8())
    }

    /// Decodes the reply to `GET_INFO`.
    public static func info(from message: NetlinkMessage) throws(WireDecodingError) -> IPVSInfo {
        let top = try attributes(of: message, context: "info reply")
        return IPVSInfo(
            version: try require(top, InfoAttribute.version, "IPVS_INFO_ATTR_VERSION", "info reply").u32(),
            connectionTableSize: try require(top, InfoAttribute.connectionTableSize, "IPVS_INFO_ATTR_CONN_TAB_SIZE", "info reply").u32())
    }

    /// Decodes the reply to `GET_CONFIG`.
    public static func timeouts(from message: NetlinkMessage) throws(WireDecodingError) -> Timeouts {
        let top = try attributes(of: message, context: "config reply")
        return Timeouts(
            tcp: try top[CommandAttribute.timeoutTCP]?.u32() ?? 0,
            tcpFin: try top[CommandAttribute.timeoutTCPFin]?.u32() ?? 0,
            udp: try top[CommandAttribute.timeoutUDP]?.u32() ?? 0)
    }

    /// The attributes after the generic-netlink header of `message`.
    static func attributes(of message: NetlinkMessage, context: String) throws(WireDecodingError) -> AttributeSequence {
        guard message.payload.count >= GenericNetlinkHeader.size else {
            throw WireDecodingError(.truncated, "payload of \(message.payload.count) bytes has no generic netlink header", context: context)
        }
        return try AttributeSequence(message.payload.dropFirst(GenericNetlinkHeader.size), context: context)
    }

    private static func require(
        _ attributes: AttributeSequence, _ type: UInt16, _ name: String, _ context: String
    ) throws(WireDecodingError) -> Attribute {
        guard let attribute = attributes[type] else {
            throw WireDecodingError(.missingAttribute, "no \(name)", context: context)
        }
        return attribute
    }

    private static func addressFamily(_ value: UInt16, _ context: String) throws(WireDecodingError) -> AddressFamily {
        guard let family = AddressFamily(rawValue: value) else {
            throw WireDecodingError(.invalidValue, "unknown address family \(value)", context: context)
        }
        return family
    }

    private static func address(_ attribute: Attribute, family: AddressFamily, _ context: String) throws(WireDecodingError) -> IPAddress {
        let value = attribute.value
        switch family {
        case .inet:
            guard value.count >= 4 else {
                throw WireDecodingError(.truncated, "IPv4 address has \(value.count) bytes", context: context)
            }
            // Byte by byte, not through the generic collection initialiser: this runs for every
            // service and real server of a read.
            let start = value.startIndex
            return .v4(IPv4Address(value[start], value[start + 1], value[start + 2], value[start + 3]))
        case .inet6:
            guard value.count >= 16, let v6 = IPv6Address(bytes: value.prefix(16)) else {
                throw WireDecodingError(.truncated, "IPv6 address has \(value.count) bytes", context: context)
            }
            return .v6(v6)
        }
    }

    /// Prefers the 64-bit nest; kernels before 4.1 send only the 32-bit one, widened here.
    private static func statistics(in attributes: AttributeSequence, wide: UInt16, narrow: UInt16) throws(WireDecodingError) -> Statistics {
        var statistics = Statistics()
        if let nest = attributes[wide] {
            let values = try nest.nested()
            func read(_ type: UInt16) throws(WireDecodingError) -> UInt64 { try values[type]?.u64() ?? 0 }
            statistics.connections = try read(StatisticsAttribute.connections)
            statistics.incomingPackets = try read(StatisticsAttribute.incomingPackets)
            statistics.outgoingPackets = try read(StatisticsAttribute.outgoingPackets)
            statistics.incomingBytes = try read(StatisticsAttribute.incomingBytes)
            statistics.outgoingBytes = try read(StatisticsAttribute.outgoingBytes)
            statistics.connectionRate = try read(StatisticsAttribute.connectionRate)
            statistics.incomingPacketRate = try read(StatisticsAttribute.incomingPacketRate)
            statistics.outgoingPacketRate = try read(StatisticsAttribute.outgoingPacketRate)
            statistics.incomingByteRate = try read(StatisticsAttribute.incomingByteRate)
            statistics.outgoingByteRate = try read(StatisticsAttribute.outgoingByteRate)
        } else if let nest = attributes[narrow] {
            let values = try nest.nested()
            func read32(_ type: UInt16) throws(WireDecodingError) -> UInt64 { UInt64(try values[type]?.u32() ?? 0) }
            func read64(_ type: UInt16) throws(WireDecodingError) -> UInt64 { try values[type]?.u64() ?? 0 }
            statistics.connections = try read32(StatisticsAttribute.connections)
            statistics.incomingPackets = try read32(StatisticsAttribute.incomingPackets)
            statistics.outgoingPackets = try read32(StatisticsAttribute.outgoingPackets)
            statistics.incomingBytes = try read64(StatisticsAttribute.incomingBytes)
            statistics.outgoingBytes = try read64(StatisticsAttribute.outgoingBytes)
            statistics.connectionRate = try read32(StatisticsAttribute.connectionRate)
            statistics.incomingPacketRate = try read32(StatisticsAttribute.incomingPacketRate)
            statistics.outgoingPacketRate = try read32(StatisticsAttribute.outgoingPacketRate)
            statistics.incomingByteRate = try read32(StatisticsAttribute.incomingByteRate)
            statistics.outgoingByteRate = try read32(StatisticsAttribute.outgoingByteRate)
        }
        return statistics
    }
}
