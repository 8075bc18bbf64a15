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
        let context: StaticString = "service"
        let family = try addressFamily(
            require(attributes, ServiceAttribute.addressFamily, "IPVS_SVC_ATTR_AF", context, as: UInt16.self), context)
        let key: VirtualServiceKey
        if let mark = try attributes.integer(ServiceAttribute.firewallMark, as: UInt32.self), mark != 0 {
            key = .firewallMark(mark, family: family)
        } else {
            let protoNumber = try require(attributes, ServiceAttribute.protocol, "IPVS_SVC_ATTR_PROTOCOL", context, as: UInt16.self)
            guard let proto = TransportProtocol(rawValue: protoNumber) else {
                throw WireDecodingError(.invalidValue, "unknown protocol \(protoNumber)", context: context)
            }
            let address = try self.address(
                require(attributes, ServiceAttribute.address, "IPVS_SVC_ATTR_ADDR", context), family: family, context)
            let port = try require(attributes, ServiceAttribute.port, "IPVS_SVC_ATTR_PORT", context).u16BigEndian()
            key = .address(address, port: port, protocol: proto)
        }
        let scheduler = try require(attributes, ServiceAttribute.schedulerName, "IPVS_SVC_ATTR_SCHED_NAME", context).string()
        let flagsValue = try require(attributes, ServiceAttribute.flags, "IPVS_SVC_ATTR_FLAGS", context, as: UInt32.self)
        let timeout = try attributes.integer(ServiceAttribute.timeout, as: UInt32.self) ?? 0
        let wireNetmask = try attributes.integer(ServiceAttribute.netmask, as: UInt32.self)
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
        let context: StaticString = "destination"
        let family =
            try attributes[DestinationAttribute.addressFamily].map { attribute throws(WireDecodingError) in
                try addressFamily(attribute.u16(), context)
            } ?? serviceFamily
        let address = try self.address(
            require(attributes, DestinationAttribute.address, "IPVS_DEST_ATTR_ADDR", context), family: family, context)
        let port = try require(attributes, DestinationAttribute.port, "IPVS_DEST_ATTR_PORT", context).u16BigEndian()
        let method =
            try require(attributes, DestinationAttribute.forwardingMethod, "IPVS_DEST_ATTR_FWD_METHOD", context, as: UInt32.self) & 0x7
        let forwarding: ForwardingMethod
        switch method {
        case 0: forwarding = .masquerade
        case 1: forwarding = .localNode
        case 2:
            let kindValue = try attributes.integer(DestinationAttribute.tunnelType, as: UInt8.self) ?? 0
            let checksumValue = try attributes.integer(DestinationAttribute.tunnelFlags, as: UInt16.self) ?? 0
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
            weight: try require(attributes, DestinationAttribute.weight, "IPVS_DEST_ATTR_WEIGHT", context, as: UInt32.self),
            upperThreshold: try attributes.integer(DestinationAttribute.upperThreshold, as: UInt32.self) ?? 0,
            lowerThreshold: try attributes.integer(DestinationAttribute.lowerThreshold, as: UInt32.self) ?? 0)
        return ObservedRealServer(
            server: server,
            activeConnections: try attributes.integer(DestinationAttribute.activeConnections, as: UInt32.self) ?? 0,
            inactiveConnections: try attributes.integer(DestinationAttribute.inactiveConnections, as: UInt32.self) ?? 0,
            persistentConnections: try attributes.integer(DestinationAttribute.persistentConnections, as: UInt32.self) ?? 0,
            statistics: try statistics(in: attributes, wide: DestinationAttribute.statistics64, narrow: DestinationAttribute.statistics))
    }

    /// Decodes one entry of a sync-daemon dump.
    public static func syncDaemon(from message: NetlinkMessage) throws(WireDecodingError) -> SyncDaemon {
        let context: StaticString = "daemon"
        let top = try attributes(of: message, context: "daemon reply")
        guard let nest = top[CommandAttribute.daemon] else {
            throw WireDecodingError(.missingAttribute, "no IPVS_CMD_ATTR_DAEMON", context: "daemon reply")
        }
        let values = try nest.nested()
        let stateValue = try require(values, DaemonAttribute.state, "IPVS_DAEMON_ATTR_STATE", context, as: UInt32.self)
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
            syncID: try require(values, DaemonAttribute.syncID, "IPVS_DAEMON_ATTR_SYNC_ID", context, as: UInt32.self),
            maximumLength: try values.integer(DaemonAttribute.syncMaximumLength, as: UInt16.self),
            group: group,
            port: try values.integer(DaemonAttribute.multicastPort, as: UInt16.self),
            ttl: try values.integer(DaemonAttribute.multicastTTL, as: UInt8.self))
    }

    /// Decodes the reply to `GET_INFO`.
    public static func info(from message: NetlinkMessage) throws(WireDecodingError) -> IPVSInfo {
        let top = try attributes(of: message, context: "info reply")
        return IPVSInfo(
            version: try require(top, InfoAttribute.version, "IPVS_INFO_ATTR_VERSION", "info reply", as: UInt32.self),
            connectionTableSize: try require(
                top, InfoAttribute.connectionTableSize, "IPVS_INFO_ATTR_CONN_TAB_SIZE", "info reply", as: UInt32.self))
    }

    /// Decodes the reply to `GET_CONFIG`.
    public static func timeouts(from message: NetlinkMessage) throws(WireDecodingError) -> Timeouts {
        let top = try attributes(of: message, context: "config reply")
        return Timeouts(
            tcp: try top.integer(CommandAttribute.timeoutTCP, as: UInt32.self) ?? 0,
            tcpFin: try top.integer(CommandAttribute.timeoutTCPFin, as: UInt32.self) ?? 0,
            udp: try top.integer(CommandAttribute.timeoutUDP, as: UInt32.self) ?? 0)
    }

    /// The attributes after the generic-netlink header of `message`.
    static func attributes(of message: NetlinkMessage, context: StaticString) throws(WireDecodingError) -> AttributeSequence {
        guard message.payload.count >= GenericNetlinkHeader.size else {
            throw WireDecodingError(
                .truncated, "payload of \(message.payload.count) bytes has no generic netlink header", context: context)
        }
        return try AttributeSequence(message.payload.dropFirst(GenericNetlinkHeader.size), context: context)
    }

    private static func require<Integer: FixedWidthInteger & BitwiseCopyable>(
        _ attributes: AttributeSequence, _ type: UInt16, _ name: StaticString, _ context: StaticString, as _: Integer.Type
    ) throws(WireDecodingError) -> Integer {
        guard let value = try attributes.integer(type, as: Integer.self) else {
            throw WireDecodingError(.missingAttribute, "no \(name)", context: context)
        }
        return value
    }

    private static func require(
        _ attributes: AttributeSequence, _ type: UInt16, _ name: StaticString, _ context: StaticString
    ) throws(WireDecodingError) -> Attribute {
        guard let attribute = attributes[type] else {
            throw WireDecodingError(.missingAttribute, "no \(name)", context: context)
        }
        return attribute
    }

    private static func addressFamily(_ value: UInt16, _ context: StaticString) throws(WireDecodingError) -> AddressFamily {
        guard let family = AddressFamily(rawValue: value) else {
            throw WireDecodingError(.invalidValue, "unknown address family \(value)", context: context)
        }
        return family
    }

    private static func address(
        _ attribute: Attribute, family: AddressFamily, _ context: StaticString
    ) throws(WireDecodingError) -> IPAddress {
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
            func read(_ type: UInt16) throws(WireDecodingError) -> UInt64 { try values.integer(type, as: UInt64.self) ?? 0 }
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
            func read32(_ type: UInt16) throws(WireDecodingError) -> UInt64 { UInt64(try values.integer(type, as: UInt32.self) ?? 0) }
            func read64(_ type: UInt16) throws(WireDecodingError) -> UInt64 { try values.integer(type, as: UInt64.self) ?? 0 }
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
