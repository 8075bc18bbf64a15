import IPVSCore

/// The table in `ipvsadm -Ln`'s layout, so operators read it without learning a new one.
enum TableText {
    /// Writes the table line by line into `out`, which writes it out in large pieces.
    static func write(_ table: [ObservedTableEntry], info: IPVSInfo, statistics: Bool, to out: inout TextOutput) throws(OutputError) {
        out.append("IP Virtual Server version \(info.versionString) (size=\(info.connectionTableSize))")
        try out.endLine()
        if statistics {
            out.append("Prot LocalAddress:Port               Conns   InPkts  OutPkts  InBytes OutBytes\n")
            out.append("  -> RemoteAddress:Port\n")
        } else {
            out.append("Prot LocalAddress:Port Scheduler Flags\n")
            out.append("  -> RemoteAddress:Port           Forward Weight ActiveConn InActConn\n")
        }
        for entry in table {
            let service = entry.virtualService.service
            if statistics {
                var field = out.mark
                serviceName(service.key, to: &out)
                out.pad(from: field, to: 33)
                counters(entry.virtualService.statistics, to: &out)
                try out.endLine()
                for real in entry.realServers {
                    field = out.mark
                    out.append("  -> ")
                    endpoint(real.server.address, real.server.port, to: &out)
                    out.pad(from: field, to: 33)
                    counters(real.statistics, to: &out)
                    try out.endLine()
                }
            } else {
                serviceName(service.key, to: &out)
                out.append(UInt8(ascii: " "))
                out.append(service.scheduler.rawValue)
                if service.flags != [] || service.persistenceEngine != nil { out.append(flagWords(service)) }
                try out.endLine()
                for real in entry.realServers {
                    var field = out.mark
                    out.append("  -> ")
                    endpoint(real.server.address, real.server.port, to: &out)
                    out.pad(from: field, to: 34)
                    field = out.mark
                    out.append(real.server.forwarding.name)
                    out.pad(from: field, to: 8)
                    field = out.mark
                    out.append(decimal: UInt64(real.server.weight))
                    out.pad(from: field, to: 7)
                    field = out.mark
                    out.append(decimal: UInt64(real.activeConnections))
                    out.pad(from: field, to: 11)
                    out.append(decimal: UInt64(real.inactiveConnections))
                    try out.endLine()
                }
            }
        }
    }

    static func serviceName(_ key: VirtualServiceKey, to out: inout TextOutput) {
        let field = out.mark
        switch key {
        case .address(let address, let port, let proto):
            out.append(proto.name)
            out.pad(from: field, to: 5)
            endpoint(address, port, to: &out)
        case .firewallMark(let mark, let family):
            out.append("FWM")
            out.pad(from: field, to: 5)
            out.append(decimal: UInt64(mark))
            if family == .inet6 { out.append(" IPv6") }
        }
    }

    /// `Endpoint.format`'s text, IPv4 written byte by byte.
    static func endpoint(_ address: IPAddress, _ port: UInt16, to out: inout TextOutput) {
        switch address {
        case .v4(let v4):
            out.append(decimal: UInt64(v4.value >> 24))
            out.append(UInt8(ascii: "."))
            out.append(decimal: UInt64(v4.value >> 16 & 0xFF))
            out.append(UInt8(ascii: "."))
            out.append(decimal: UInt64(v4.value >> 8 & 0xFF))
            out.append(UInt8(ascii: "."))
            out.append(decimal: UInt64(v4.value & 0xFF))
        case .v6(let v6):
            out.append(UInt8(ascii: "["))
            out.append(v6.description)
            out.append(UInt8(ascii: "]"))
        }
        out.append(UInt8(ascii: ":"))
        out.append(decimal: UInt64(port))
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

    /// Each column as ipvsadm's `" %8s"`: a space, then the number right-aligned in eight.
    private static func counters(_ s: Statistics, to out: inout TextOutput) {
        for value in [s.connections, s.incomingPackets, s.outgoingPackets, s.incomingBytes, s.outgoingBytes] {
            out.append(UInt8(ascii: " "))
            let text = human(value)
            out.append(String(repeating: " ", count: max(0, 8 - text.utf8.count)))
            out.append(text)
        }
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

}
