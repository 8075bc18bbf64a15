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
            let written = try require(attributes, ServiceAttribute.address, "IPVS_SVC_ATTR_ADDR", context)
            let address = try AttributeWalk.withBytes(of: written.value) { bytes throws(WireDecodingError) in
                try self.address(bytes, family: family, context)
            }
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

    static func addressFamily(_ value: UInt16, _ context: StaticString) throws(WireDecodingError) -> AddressFamily {
        guard let family = AddressFamily(rawValue: value) else {
            throw WireDecodingError(.invalidValue, "unknown address family \(value)", context: context)
        }
        return family
    }

    /// A `union nf_inet_addr` of `family`: the first 4 bytes, or all 16.
    static func address(
        _ value: UnsafeRawBufferPointer, family: AddressFamily, _ context: StaticString
    ) throws(WireDecodingError) -> IPAddress {
        switch family {
        case .inet:
            guard value.count >= 4 else {
                throw WireDecodingError(.truncated, "IPv4 address has \(value.count) bytes", context: context)
            }
            return .v4(IPv4Address(UInt32(bigEndian: value.loadUnaligned(as: UInt32.self))))
        case .inet6:
            guard value.count >= 16 else {
                throw WireDecodingError(.truncated, "IPv6 address has \(value.count) bytes", context: context)
            }
            return .v6(
                IPv6Address(
                    high: UInt64(bigEndian: value.loadUnaligned(as: UInt64.self)),
                    low: UInt64(bigEndian: value.loadUnaligned(fromByteOffset: 8, as: UInt64.self))))
        }
    }

    /// Prefers the 64-bit nest; kernels before 4.1 send only the 32-bit one, widened here.
    private static func statistics(in attributes: AttributeSequence, wide: UInt16, narrow: UInt16) throws(WireDecodingError) -> Statistics {
        if let nest = attributes[wide] {
            return try AttributeWalk.withBytes(of: nest.value) { bytes throws(WireDecodingError) in
                try statistics(nest: bytes, wide: true, context: nest.context)
            }
        }
        if let nest = attributes[narrow] {
            return try AttributeWalk.withBytes(of: nest.value) { bytes throws(WireDecodingError) in
                try statistics(nest: bytes, wide: false, context: nest.context)
            }
        }
        return Statistics()
    }
}
