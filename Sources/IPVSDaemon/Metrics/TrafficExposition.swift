import IPVSCore

/// The kernel's per virtual service (and, opt-in, per real server) traffic counters in
/// Prometheus text, read at scrape time so that rates are as fresh as the kernel's. Rendered
/// here rather than through the registry because they are the kernel's own monotonic 64-bit
/// counters, not values we increment. Label names are node_exporter's IPVS collector's
/// (`local_address`, `local_port`, `local_mark`, `proto`, `remote_address`, `remote_port`), which
/// dashboards already join on, plus `service` for the declared service (empty when foreign).
public struct TrafficExposition: Sendable {
    /// The label set of each declared virtual service, rendered when the names are given (once
    /// per reconcile that changes them): a scrape then copies bytes instead of formatting every
    /// address again.
    private let labelsByKey: [VirtualServiceKey: [UInt8]]

    /// `serviceNames` names the declared service of each virtual service we hold.
    public init(serviceNames: [VirtualServiceKey: String]) {
        labelsByKey = Dictionary(uniqueKeysWithValues: serviceNames.map { ($0.key, Self.labels(for: $0.key, service: $0.value)) })
    }

    static let serviceCounters: [(name: String, help: String, value: @Sendable (Statistics) -> UInt64)] = [
        ("connections", "Connections scheduled", { $0.connections }),
        ("incoming_packets", "Packets from clients", { $0.incomingPackets }),
        ("outgoing_packets", "Packets to clients", { $0.outgoingPackets }),
        ("incoming_bytes", "Bytes from clients", { $0.incomingBytes }),
        ("outgoing_bytes", "Bytes to clients", { $0.outgoingBytes }),
    ]

    /// Counters of every virtual service in the table.
    public func render(virtualServices: [ObservedVirtualService], into bytes: inout [UInt8]) {
        let labelled = virtualServices.map { ($0.statistics, labels(for: $0.service.key)) }
        for counter in Self.serviceCounters {
            let name = "ipvsctl_virtual_service_\(counter.name)_total"
            PrometheusText.appendHeader(
                name: name, help: "\(counter.help) by the virtual service, from the kernel's 64-bit counters.", type: "counter",
                to: &bytes)
            for (statistics, labels) in labelled {
                Self.appendSample(name, labels, counter.value(statistics), to: &bytes)
            }
        }
    }

    /// Connection counts, weights and counters of every real server (opt-in: O(real servers)).
    public func render(table: [ObservedTableEntry], into bytes: inout [UInt8]) {
        var rows: [(ObservedRealServer, [UInt8])] = []
        for entry in table {
            let service = labels(for: entry.virtualService.service.key)
            for real in entry.realServers {
                rows.append((real, service + Array(",remote_address=\"\(real.server.address)\",remote_port=\"\(real.server.port)\"".utf8)))
            }
        }
        let gauges: [(String, String, (ObservedRealServer) -> UInt64)] = [
            ("ipvsctl_real_server_connections_active", "Active connections of the real server.", { UInt64($0.activeConnections) }),
            ("ipvsctl_real_server_connections_inactive", "Inactive connections of the real server.", { UInt64($0.inactiveConnections) }),
            ("ipvsctl_real_server_weight", "Weight of the real server (0: draining or quiesced).", { UInt64($0.server.weight) }),
        ]
        for (name, help, value) in gauges {
            PrometheusText.appendHeader(name: name, help: help, type: "gauge", to: &bytes)
            for (real, labels) in rows { Self.appendSample(name, labels, value(real), to: &bytes) }
        }
        for counter in Self.serviceCounters {
            let name = "ipvsctl_real_server_\(counter.name)_total"
            PrometheusText.appendHeader(
                name: name, help: "\(counter.help) by the real server, from the kernel's 64-bit counters.", type: "counter", to: &bytes)
            for (real, labels) in rows { Self.appendSample(name, labels, counter.value(real.statistics), to: &bytes) }
        }
    }

    /// `name{labels} value\n`.
    private static func appendSample(_ name: String, _ labels: [UInt8], _ value: UInt64, to bytes: inout [UInt8]) {
        bytes.append(contentsOf: name.utf8)
        bytes.append(UInt8(ascii: "{"))
        bytes.append(contentsOf: labels)
        bytes.append(UInt8(ascii: "}"))
        bytes.append(UInt8(ascii: " "))
        PrometheusText.appendDecimal(value, to: &bytes)
        bytes.append(UInt8(ascii: "\n"))
    }

    /// A foreign virtual service's labels are made at each scrape (the service label empty).
    func labels(for key: VirtualServiceKey) -> [UInt8] {
        labelsByKey[key] ?? Self.labels(for: key, service: "")
    }

    static func labels(for key: VirtualServiceKey, service: String) -> [UInt8] {
        let service = PrometheusText.escapedLabelValue(service)
        switch key {
        case .address(let address, let port, let proto):
            return Array(
                "service=\"\(service)\",local_address=\"\(address)\",local_port=\"\(port)\",local_mark=\"\",proto=\"\(proto.name)\"".utf8)
        case .firewallMark(let mark, _):
            return Array("service=\"\(service)\",local_address=\"\",local_port=\"0\",local_mark=\"\(mark)\",proto=\"\"".utf8)
        }
    }
}
