import IPVSCore

#if canImport(FoundationEssentials)
    import FoundationEssentials
#else
    import Foundation
#endif

/// The table as JSON for scripts: stable field names, addresses as text, counters as numbers.
enum TableJSON {
    struct Document: Encodable {
        var version: String
        var connectionTableSize: UInt32
        var virtualServices: [VirtualServiceJSON]
    }

    struct VirtualServiceJSON: Encodable {
        var family: String
        var `protocol`: String?
        var address: String?
        var port: UInt16?
        var firewallMark: UInt32?
        var scheduler: String
        var flags: [String]
        var persistenceTimeout: UInt32
        var netmask: String
        var persistenceEngine: String?
        var statistics: StatisticsJSON
        var realServers: [RealServerJSON]
    }

    struct RealServerJSON: Encodable {
        var address: String
        var port: UInt16
        var forwarding: String
        var tunnelType: String?
        var tunnelPort: UInt16?
        var tunnelChecksum: String?
        var weight: UInt32
        var upperThreshold: UInt32
        var lowerThreshold: UInt32
        var activeConnections: UInt32
        var inactiveConnections: UInt32
        var persistentConnections: UInt32
        var statistics: StatisticsJSON
    }

    struct StatisticsJSON: Encodable {
        var connections, incomingPackets, outgoingPackets, incomingBytes, outgoingBytes: UInt64
        var connectionRate, incomingPacketRate, outgoingPacketRate, incomingByteRate, outgoingByteRate: UInt64

        init(_ s: Statistics) {
            (connections, incomingPackets, outgoingPackets, incomingBytes, outgoingBytes) =
                (s.connections, s.incomingPackets, s.outgoingPackets, s.incomingBytes, s.outgoingBytes)
            (connectionRate, incomingPacketRate, outgoingPacketRate, incomingByteRate, outgoingByteRate) =
                (s.connectionRate, s.incomingPacketRate, s.outgoingPacketRate, s.incomingByteRate, s.outgoingByteRate)
        }
    }

    static func render(_ table: [ObservedTableEntry], info: IPVSInfo) throws -> String {
        let document = Document(
            version: info.versionString, connectionTableSize: info.connectionTableSize,
            virtualServices: table.map(virtualService))
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        return String(decoding: try encoder.encode(document), as: UTF8.self)
    }

    private static func virtualService(_ entry: ObservedTableEntry) -> VirtualServiceJSON {
        let service = entry.virtualService.service
        var json = VirtualServiceJSON(
            family: service.key.family == .inet ? "ipv4" : "ipv6",
            scheduler: service.scheduler.rawValue,
            flags: flagNames(service.flags),
            persistenceTimeout: service.timeout,
            netmask: TableText.netmaskText(service),
            persistenceEngine: service.persistenceEngine,
            statistics: StatisticsJSON(entry.virtualService.statistics),
            realServers: entry.realServers.map(realServer))
        switch service.key {
        case .address(let address, let port, let proto):
            (json.address, json.port, json.protocol) = (address.description, port, proto.name.lowercased())
        case .firewallMark(let mark, _):
            json.firewallMark = mark
        }
        return json
    }

    private static func realServer(_ real: ObservedRealServer) -> RealServerJSON {
        var json = RealServerJSON(
            address: real.server.address.description, port: real.server.port,
            forwarding: forwardingName(real.server.forwarding),
            weight: real.server.weight, upperThreshold: real.server.upperThreshold,
            lowerThreshold: real.server.lowerThreshold, activeConnections: real.activeConnections,
            inactiveConnections: real.inactiveConnections, persistentConnections: real.persistentConnections,
            statistics: StatisticsJSON(real.statistics))
        if case .tunnel(let tunnel) = real.server.forwarding {
            json.tunnelType = "\(tunnel.kind)"
            json.tunnelPort = tunnel.port
            json.tunnelChecksum = "\(tunnel.checksum)"
        }
        return json
    }

    static func forwardingName(_ method: ForwardingMethod) -> String {
        switch method {
        case .masquerade: "masquerade"
        case .localNode: "local-node"
        case .tunnel: "tunnel"
        case .directRoute: "direct-route"
        case .bypass: "bypass"
        }
    }

    private static func flagNames(_ flags: ServiceFlags) -> [String] {
        var names: [String] = []
        if flags.contains(.persistent) { names.append("persistent") }
        if flags.contains(.onePacket) { names.append("one-packet") }
        if flags.contains(.scheduler1) { names.append("sched-flag-1") }
        if flags.contains(.scheduler2) { names.append("sched-flag-2") }
        if flags.contains(.scheduler3) { names.append("sched-flag-3") }
        return names
    }
}
