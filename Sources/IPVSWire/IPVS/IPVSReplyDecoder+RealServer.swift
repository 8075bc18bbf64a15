import IPVSCore

/// Real servers, decoded straight from the bytes of a dump reply: a table read decodes 100,000
/// of them at 10,000 services, so each nest is walked once (``AttributeWalk``) and every value
/// read where it lies, with no index of the nest and no slice (and so no reference count) per
/// attribute. The same rules as the other decoders: the last attribute of a type wins, a value
/// shorter than its type is an error, a missing optional attribute reads as 0.
extension IPVSReplyDecoder {
    /// Decodes one entry of a real-server dump of a service of family `serviceFamily`.
    public static func realServer(
        from message: NetlinkMessage, serviceFamily: AddressFamily
    ) throws(WireDecodingError) -> ObservedRealServer {
        let context: StaticString = "destination reply"
        guard message.payload.count >= GenericNetlinkHeader.size else {
            throw WireDecodingError(
                .truncated, "payload of \(message.payload.count) bytes has no generic netlink header", context: context)
        }
        return try AttributeWalk.withBytes(of: message.payload) { payload throws(WireDecodingError) in
            var nest: UnsafeRawBufferPointer?
            try AttributeWalk.forEach(in: UnsafeRawBufferPointer(rebasing: payload[GenericNetlinkHeader.size...]), context: context) {
                type, _, value in
                if type == CommandAttribute.destination { nest = value }
            }
            guard let nest else { throw WireDecodingError(.missingAttribute, "no IPVS_CMD_ATTR_DEST", context: context) }
            return try realServer(nest: nest, serviceFamily: serviceFamily)
        }
    }

    /// The values of a destination nest, as written.
    private struct DestinationValues {
        var address, port, forwardingMethod, weight, upperThreshold, lowerThreshold: UnsafeRawBufferPointer?
        var activeConnections, inactiveConnections, persistentConnections: UnsafeRawBufferPointer?
        var addressFamily, tunnelType, tunnelPort, tunnelFlags: UnsafeRawBufferPointer?
        var statistics, statistics64: UnsafeRawBufferPointer?

        init(_ nest: UnsafeRawBufferPointer, context: StaticString) throws(WireDecodingError) {
            try AttributeWalk.forEach(in: nest, context: context) { type, _, value throws(WireDecodingError) in
                switch type {
                case DestinationAttribute.address: address = value
                case DestinationAttribute.port: port = value
                case DestinationAttribute.forwardingMethod: forwardingMethod = value
                case DestinationAttribute.weight: weight = value
                case DestinationAttribute.upperThreshold: upperThreshold = value
                case DestinationAttribute.lowerThreshold: lowerThreshold = value
                case DestinationAttribute.activeConnections: activeConnections = value
                case DestinationAttribute.inactiveConnections: inactiveConnections = value
                case DestinationAttribute.persistentConnections: persistentConnections = value
                case DestinationAttribute.statistics: statistics = value
                case DestinationAttribute.addressFamily: addressFamily = value
                case DestinationAttribute.statistics64: statistics64 = value
                case DestinationAttribute.tunnelType: tunnelType = value
                case DestinationAttribute.tunnelPort: tunnelPort = value
                case DestinationAttribute.tunnelFlags: tunnelFlags = value
                default: break
                }
            }
        }
    }

    private static func realServer(
        nest: UnsafeRawBufferPointer, serviceFamily: AddressFamily
    ) throws(WireDecodingError) -> ObservedRealServer {
        let context: StaticString = "destination"
        let values = try DestinationValues(nest, context: context)
        func integer<Integer: FixedWidthInteger & BitwiseCopyable>(
            _ value: UnsafeRawBufferPointer?, _ type: UInt16, as _: Integer.Type
        ) throws(WireDecodingError) -> Integer? {
            guard let value else { return nil }
            return try AttributeWalk.integer(value, type: type, context: context, as: Integer.self)
        }
        func required<Integer: FixedWidthInteger & BitwiseCopyable>(
            _ value: UnsafeRawBufferPointer?, _ type: UInt16, _ name: StaticString, as _: Integer.Type
        ) throws(WireDecodingError) -> Integer {
            guard let integer = try integer(value, type, as: Integer.self) else {
                throw WireDecodingError(.missingAttribute, "no \(name)", context: context)
            }
            return integer
        }
        func bigEndianPort(_ value: UnsafeRawBufferPointer, _ type: UInt16) throws(WireDecodingError) -> UInt16 {
            guard value.count >= 2 else { throw .shortAttribute(type, has: value.count, needs: 2, context: context) }
            return UInt16(value[0]) << 8 | UInt16(value[1])
        }

        let family =
            try integer(values.addressFamily, DestinationAttribute.addressFamily, as: UInt16.self).map {
                value throws(WireDecodingError) in try addressFamily(value, context)
            } ?? serviceFamily
        guard let addressValue = values.address else {
            throw WireDecodingError(.missingAttribute, "no IPVS_DEST_ATTR_ADDR", context: context)
        }
        let address = try self.address(addressValue, family: family, context)
        guard let portValue = values.port else { throw WireDecodingError(.missingAttribute, "no IPVS_DEST_ATTR_PORT", context: context) }
        let port = try bigEndianPort(portValue, DestinationAttribute.port)
        let method =
            try required(values.forwardingMethod, DestinationAttribute.forwardingMethod, "IPVS_DEST_ATTR_FWD_METHOD", as: UInt32.self) & 0x7
        let forwarding: ForwardingMethod
        switch method {
        case 0: forwarding = .masquerade
        case 1: forwarding = .localNode
        case 2:
            let kindValue = try integer(values.tunnelType, DestinationAttribute.tunnelType, as: UInt8.self) ?? 0
            let checksumValue = try integer(values.tunnelFlags, DestinationAttribute.tunnelFlags, as: UInt16.self) ?? 0
            guard let kind = Tunnel.Kind(rawValue: kindValue) else {
                throw WireDecodingError(.invalidValue, "unknown tunnel type \(kindValue)", context: context)
            }
            guard let checksum = Tunnel.Checksum(rawValue: checksumValue) else {
                throw WireDecodingError(.invalidValue, "unknown tunnel flags \(checksumValue)", context: context)
            }
            let tunnelPort =
                try values.tunnelPort.map { value throws(WireDecodingError) in
                    try bigEndianPort(value, DestinationAttribute.tunnelPort)
                } ?? 0
            forwarding = .tunnel(Tunnel(kind: kind, port: tunnelPort, checksum: checksum))
        case 3: forwarding = .directRoute
        case 4: forwarding = .bypass
        default:
            throw WireDecodingError(.invalidValue, "unknown forwarding method \(method)", context: context)
        }
        let server = RealServer(
            address: address, port: port, forwarding: forwarding,
            weight: try required(values.weight, DestinationAttribute.weight, "IPVS_DEST_ATTR_WEIGHT", as: UInt32.self),
            upperThreshold: try integer(values.upperThreshold, DestinationAttribute.upperThreshold, as: UInt32.self) ?? 0,
            lowerThreshold: try integer(values.lowerThreshold, DestinationAttribute.lowerThreshold, as: UInt32.self) ?? 0)
        let statistics: Statistics
        if let wide = values.statistics64 {
            statistics = try self.statistics(nest: wide, wide: true, context: context)
        } else if let narrow = values.statistics {
            statistics = try self.statistics(nest: narrow, wide: false, context: context)
        } else {
            statistics = Statistics()
        }
        return ObservedRealServer(
            server: server,
            activeConnections: try integer(values.activeConnections, DestinationAttribute.activeConnections, as: UInt32.self) ?? 0,
            inactiveConnections: try integer(values.inactiveConnections, DestinationAttribute.inactiveConnections, as: UInt32.self) ?? 0,
            persistentConnections: try integer(values.persistentConnections, DestinationAttribute.persistentConnections, as: UInt32.self)
                ?? 0,
            statistics: statistics)
    }

    /// The counters of a statistics nest: 64-bit in the `wide` one (`*_STATS64`); in the
    /// narrow one, which kernels before 4.1 send alone, 32-bit but for the byte counts.
    static func statistics(nest: UnsafeRawBufferPointer, wide: Bool, context: StaticString) throws(WireDecodingError) -> Statistics {
        var statistics = Statistics()
        try AttributeWalk.forEach(in: nest, context: context) { type, _, value throws(WireDecodingError) in
            // Counters a later kernel adds are skipped, whatever their width.
            guard StatisticsAttribute.connections...StatisticsAttribute.outgoingByteRate ~= type else { return }
            let counter: UInt64
            if wide || type == StatisticsAttribute.incomingBytes || type == StatisticsAttribute.outgoingBytes {
                counter = try AttributeWalk.integer(value, type: type, context: context, as: UInt64.self)
            } else {
                counter = UInt64(try AttributeWalk.integer(value, type: type, context: context, as: UInt32.self))
            }
            switch type {
            case StatisticsAttribute.connections: statistics.connections = counter
            case StatisticsAttribute.incomingPackets: statistics.incomingPackets = counter
            case StatisticsAttribute.outgoingPackets: statistics.outgoingPackets = counter
            case StatisticsAttribute.incomingBytes: statistics.incomingBytes = counter
            case StatisticsAttribute.outgoingBytes: statistics.outgoingBytes = counter
            case StatisticsAttribute.connectionRate: statistics.connectionRate = counter
            case StatisticsAttribute.incomingPacketRate: statistics.incomingPacketRate = counter
            case StatisticsAttribute.outgoingPacketRate: statistics.outgoingPacketRate = counter
            case StatisticsAttribute.incomingByteRate: statistics.incomingByteRate = counter
            case StatisticsAttribute.outgoingByteRate: statistics.outgoingByteRate = counter
            default: break
            }
        }
        return statistics
    }
}
