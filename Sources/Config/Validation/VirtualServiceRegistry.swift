import IPVSCore

/// Across the whole file: each kernel virtual service (VIP, port and protocol; firewall mark and
/// family) declared once, each node port once per protocol, and each health-check port once and
/// apart from the TCP node ports. Services are taken in file order, so the later declaration is
/// the one reported, naming the earlier.
struct VirtualServiceRegistry {
    private struct Owner {
        /// The owning service's ``DecodedService/label``.
        var service: String
        var node: ConfigNode
        var what: String { "\(service) (\(node.position))" }
    }

    private var virtualServices: [VirtualServiceKey: Owner] = [:]
    private var nodePorts: [PortKey: Owner] = [:]
    private let nodeAddresses: [IPAddress]

    init(nodes: [DecodedNode]) {
        nodeAddresses = nodes.flatMap { $0.addresses.map(\.value) }
    }

    mutating func register(_ service: DecodedService) {
        let name = service.label
        // A repeated VIP or port within the service is reported by DistinctnessRules; here it
        // would only repeat that problem once per port or address.
        let virtualIPs = firstOfEach(service.virtualIPs, by: \.value)
        let ports = firstOfEach(service.ports, by: \.key)
        for port in ports {
            for vip in virtualIPs {
                claim(.address(vip.value, port: port.port.value, protocol: port.protocol), at: vip.node, by: name)
            }
        }
        for port in ports {
            guard let nodePort = port.nodePort else { continue }
            let key = PortKey(port: nodePort.value, protocol: port.protocol)
            if let owner = nodePorts[key] {
                nodePort.node.report(
                    .duplicateVirtualService,
                    "nodePort \(nodePort.value)/\(port.protocol.name) is already used by \(owner.what)")
                continue
            }
            nodePorts[key] = Owner(service: name, node: nodePort.node)
            for address in nodeAddresses {
                claim(.address(address, port: nodePort.value, protocol: port.protocol), at: nodePort.node, by: name)
            }
        }
        if let mark = service.firewallMark {
            claim(.firewallMark(mark.spec.mark, family: mark.spec.family), at: mark.markNode, by: name)
        }
    }

    private mutating func claim(_ key: VirtualServiceKey, at node: ConfigNode, by service: String) {
        if let owner = virtualServices[key] {
            node.report(.duplicateVirtualService, "\(key) is already declared by \(owner.what)")
        } else {
            virtualServices[key] = Owner(service: service, node: node)
        }
    }

    /// The health-check server listens on TCP on every node, so its port must be free of other
    /// services' health checks and of TCP node ports (which the kernel would take first).
    func checkHealthCheckPorts(_ services: [DecodedService]) {
        var healthPorts: [UInt16: Owner] = [:]
        for service in services {
            guard let health = service.healthCheckNodePort else { continue }
            let name = service.label
            if let owner = nodePorts[PortKey(port: health.value, protocol: .tcp)] {
                health.node.report(
                    .duplicatePort,
                    "healthCheckNodePort \(health.value) is a TCP nodePort of \(owner.what)")
            } else if let owner = healthPorts[health.value] {
                health.node.report(
                    .duplicatePort,
                    "healthCheckNodePort \(health.value) is already used by \(owner.what)")
            } else {
                healthPorts[health.value] = Owner(service: name, node: health.node)
            }
        }
    }

    private func firstOfEach<Item, Key: Hashable>(_ items: [Item], by key: (Item) -> Key) -> [Item] {
        var seen = Set<Key>()
        return items.filter { seen.insert(key($0)).inserted }
    }
}
