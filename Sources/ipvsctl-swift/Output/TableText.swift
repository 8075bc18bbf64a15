import IPVSCore

/// The table in `ipvsadm -Ln`'s layout, so operators read it without learning a new one.
enum TableText {
    static func render(_ table: [ObservedTableEntry], info: IPVSInfo, statistics: Bool) -> String {
        var out = "IP Virtual Server version \(info.versionString) (size=\(info.connectionTableSize))\n"
        if statistics {
            out += "Prot LocalAddress:Port               Conns   InPkts  OutPkts  InBytes OutBytes\n"
            out += "  -> RemoteAddress:Port\n"
        } else {
            out += "Prot LocalAddress:Port Scheduler Flags\n"
            out += "  -> RemoteAddress:Port           Forward Weight ActiveConn InActConn\n"
        }
        for entry in table {
            let service = entry.virtualService.service
            if statistics {
                out += pad(serviceName(service.key), 33) + counters(entry.virtualService.statistics) + "\n"
                for real in entry.realServers {
                    out += pad("  -> " + real.server.key.description, 33) + counters(real.statistics) + "\n"
                }
            } else {
                out += serviceName(service.key) + " " + service.scheduler.rawValue + flagWords(service) + "\n"
                for real in entry.realServers {
                    out +=
                        pad("  -> " + real.server.key.description, 34)
                        + pad(real.server.forwarding.name, 8) + pad("\(real.server.weight)", 7)
                        + pad("\(real.activeConnections)", 11) + "\(real.inactiveConnections)\n"
                }
            }
        }
        return out
    }

    static func serviceName(_ key: VirtualServiceKey) -> String {
        switch key {
        case .address(let address, let port, let proto):
            pad(proto.name, 5) + Endpoint.format(address, port)
        case .firewallMark(let mark, let family):
            pad("FWM", 5) + "\(mark)" + (family == .inet6 ? " IPv6" : "")
        }
    }

    static func flagWords(_ service: VirtualService) -> String {
        var words: [String] = []
        let scheduler = service.scheduler
        if service.flags.contains(.scheduler1) {
            words.append(scheduler == .maglevHashing ? "mh-fallback" : scheduler == .sourceHashing ? "sh-fallback" : "flag-1")
        }
        if service.flags.contains(.scheduler2) {
            words.append(scheduler == .maglevHashing ? "mh-port" : scheduler == .sourceHashing ? "sh-port" : "flag-2")
        }
        if service.flags.contains(.scheduler3) { words.append("flag-3") }
        var text = words.isEmpty ? "" : " (" + words.joined(separator: ",") + ")"
        if service.flags.contains(.persistent) {
            text += " persistent \(service.timeout)"
            if service.netmask != VirtualService.hostNetmask(for: service.key.family) {
                text += " mask \(netmaskText(service))"
            }
        }
        if let engine = service.persistenceEngine { text += " pe \(engine)" }
        if service.flags.contains(.onePacket) { text += " ops" }
        return text
    }

    static func netmaskText(_ service: VirtualService) -> String {
        switch service.key.family {
        case .inet: IPv4Address(service.netmask).description
        case .inet6: "\(service.netmask)"
        }
    }

    private static func counters(_ s: Statistics) -> String {
        [s.connections, s.incomingPackets, s.outgoingPackets, s.incomingBytes, s.outgoingBytes]
            .map { pad(human($0), 8, right: true) }.joined(separator: " ")
    }

    /// ipvsadm's compact numbers: 1234 -> 1234, 12345678 -> 12345K.
    private static func human(_ value: UInt64) -> String {
        var value = value
        for unit in ["", "K", "M", "G", "T"] {
            if value < 100_000 { return "\(value)\(unit)" }
            value /= 1000
        }
        return "\(value)P"
    }

    /// Columns hold ASCII only, so bytes are characters (and far cheaper to count).
    private static func pad(_ text: String, _ width: Int, right: Bool = false) -> String {
        let padding = String(repeating: " ", count: max(0, width - text.utf8.count))
        return right ? padding + text : text + padding
    }
}
