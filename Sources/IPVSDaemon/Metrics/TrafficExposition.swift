import IPVSCore

/// The kernel's per virtual service (and, opt-in, per real server) traffic counters in
/// Prometheus text, read at scrape time so that rates are as fresh as the kernel's. Rendered
/// here rather than through the registry because they are the kernel's own monotonic 64-bit
/// counters, not values we increment. Label names are node_exporter's IPVS collector's
/// (`local_address`, `local_port`, `local_mark`, `proto`, `remote_address`, `remote_port`), which
/// dashboards already join on, plus `service` for the declared service (empty when foreign).
public struct TrafficExposition: Sendable {
    /// Names the declared service of each virtual service we hold.
    public var serviceNames: [VirtualServiceKey: String]

    public init(serviceNames: [VirtualServiceKey: String]) {
        self.serviceNames = serviceNames
    }

    static let serviceCounters: [(name: String, help: String, value: @Sendable (Statistics) -> UInt64)] = [
        ("connections", "Connections scheduled", { $0.connections }),
        ("incoming_packets", "Packets from clients", { $0.incomingPackets }),
        ("outgoing_packets", "Packets to clients", { $0.outgoingPackets }),
        ("incoming_bytes", "Bytes from clients", { $0.incomingBytes }),
        ("outgoing_bytes", "Bytes to clients", { $0.outgoingBytes }),
    ]

    /// Counters of every virtual service in the table.
    public func render(virtualServices: [ObservedVirtualService], into text: inout String) {
        let labelled = virtualServices.map { ($0, labels(for: $0.service.key)) }
        for counter in Self.serviceCounters {
            let name = "ipvsctl_virtual_service_\(counter.name)_total"
            text += "# HELP \(name) \(counter.help) by the virtual service, from the kernel's 64-bit counters.\n"
            text += "# TYPE \(name) counter\n"
            for (service, labels) in labelled {
                text += "\(name){\(labels)} \(counter.value(service.statistics))\n"
            }
        }
    }

    /// Connection counts, weights and counters of every real server (opt-in: O(real servers)).
    public func render(table: [ObservedTableEntry], into text: inout String) {
        var rows: [(ObservedRealServer, String)] = []
        for entry in table {
            let service = labels(for: entry.virtualService.service.key)
            for real in entry.realServers {
                rows.append((real, service + ",remote_address=\"\(real.server.address)\",remote_port=\"\(real.server.port)\""))
            }
        }
        let gauges: [(String, String, (ObservedRealServer) -> UInt64)] = [
            ("ipvsctl_real_server_connections_active", "Active connections of the real server.", { UInt64($0.activeConnections) }),
            ("ipvsctl_real_server_connections_inactive", "Inactive connections of the real server.", { UInt64($0.inactiveConnections) }),
            ("ipvsctl_real_server_weight", "Weight of the real server (0: draining or quiesced).", { UInt64($0.server.weight) }),
        ]
        for (name, help, value) in gauges {
            text += "# HELP \(name) \(help)\n# TYPE \(name) gauge\n"
            for (real, labels) in rows { text += "\(name){\(labels)} \(value(real))\n" }
        }
        for counter in Self.serviceCounters {
            let name = "ipvsctl_real_server_\(counter.name)_total"
            text += "# HELP \(name) \(counter.help) by the real server, from the kernel's 64-bit counters.\n"
            text += "# TYPE \(name) counter\n"
            for (real, labels) in rows { text += "\(name){\(labels)} \(counter.value(real.statistics))\n" }
        }
    }

    func labels(for key: VirtualServiceKey) -> String {
        let service = PrometheusText.escapedLabelValue(serviceNames[key] ?? "")
        switch key {
        case .address(let address, let port, let proto):
            return "service=\"\(service)\",local_address=\"\(address)\",local_port=\"\(port)\",local_mark=\"\",proto=\"\(proto.name)\""
        case .firewallMark(let mark, _):
            return "service=\"\(service)\",local_address=\"\",local_port=\"0\",local_mark=\"\(mark)\",proto=\"\""
        }
    }
}
