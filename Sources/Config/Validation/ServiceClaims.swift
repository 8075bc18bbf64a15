import IPVSCore

/// What services claim across the config, each once: a name, each kernel virtual service
/// (VIP, port and protocol; firewall mark and family), each node port per protocol, and each
/// health-check port (apart from the TCP node ports too, as the kernel would take those first).
/// The later claim is the one reported, naming the earlier, and its file when that is another
/// (a service file's, ``enterFile(_:)``).
///
/// Kept between reloads by ``ConfigSession``: a reload that changes a few services gives their
/// old claims back and makes their new ones, instead of checking every service again. So an
/// owner keeps its position as numbers, not as a node of a document tree that is gone.
struct ServiceClaims {
    private struct Owner {
        var service: ServiceLabel
        var line: Int32
        var column: Int32
        /// An index into ``files``.
        var file: UInt16

        init(_ service: ServiceLabel, at node: ConfigNode, file: UInt16) {
            self.service = service
            line = Int32(node.line)
            column = Int32(node.column)
            self.file = file
        }
    }

    /// The files services were claimed in: the config file first, then the service files.
    private var files: [String] = []
    /// The file of the services claimed now.
    private var currentFile: UInt16 = 0

    private var names: [String: Owner] = [:]
    private var virtualServices: [VirtualServiceKey: Owner] = [:]
    private var nodePorts: [PortKey: Owner] = [:]
    private var healthCheckPorts: [UInt16: Owner] = [:]
    private let nodeAddresses: [IPAddress]

    // The tables grow as services are claimed. Sized up front from the services listed (tried
    // on 2026-12-05), the agent's resident set at 10,000 services rose from 60 to 67-77 MiB in
    // the lab, for no load time that showed.
    init(nodes: [DecodedNode], file: String) {
        nodeAddresses = nodes.flatMap { $0.addresses.map(\.value) }
        files = [file]
    }

    /// The services claimed from now on are written in `file`.
    mutating func enterFile(_ file: String) {
        currentFile = UInt16(files.firstIndex(of: file) ?? files.endIndex)
        if Int(currentFile) == files.endIndex { files.append(file) }
    }

    private func owner(_ service: ServiceLabel, at node: ConfigNode) -> Owner {
        Owner(service, at: node, file: currentFile)
    }

    /// Where `owner` is written, as a problem in the current file names it.
    private func position(_ owner: Owner) -> String {
        let place = "line \(owner.line), column \(owner.column)"
        return owner.file == currentFile ? place : "\(files[Int(owner.file)]), \(place)"
    }

    private func what(_ owner: Owner) -> String { "\(owner.service) (\(position(owner)))" }

    /// Claims the service's name, virtual services and node ports. Its health-check port is
    /// claimed apart (``claimHealthCheckPort(_:)``), once every node port is known.
    mutating func claim(_ service: DecodedService) {
        let label = ServiceLabel(service)
        if let name = service.name {
            if let owner = names[name.value] {
                name.node.report(.duplicateName, "service name '\(name.value)' is already used (\(position(owner)))")
            } else {
                names[name.value] = owner(label, at: name.node)
            }
        }
        for (key, node) in virtualServiceKeys(of: service) {
            if let owner = virtualServices[key] {
                node.report(.duplicateVirtualService, "\(key) is already declared by \(what(owner))")
            } else {
                virtualServices[key] = owner(label, at: node)
            }
        }
    }

    /// A service's `healthCheckNodePort`, to be claimed once every node port is.
    struct HealthCheckPort {
        var service: ServiceLabel
        var port: Located<UInt16>

        /// Nil when the service gives no port.
        /// An index into ``files``.
        var file: UInt16
    }

    /// The health-check port of `service`, written in the current file; nil when it gives none.
    func healthCheckPort(of service: DecodedService) -> HealthCheckPort? {
        service.healthCheckNodePort.map { HealthCheckPort(service: ServiceLabel(service), port: $0, file: currentFile) }
    }

    /// The health-check server listens on TCP on every node, so its port must be free of other
    /// services' health checks and of TCP node ports.
    mutating func claimHealthCheckPort(_ claim: HealthCheckPort) {
        currentFile = claim.file
        let health = claim.port
        if let owner = nodePorts[PortKey(port: health.value, protocol: .tcp)] {
            health.node.report(.duplicatePort, "healthCheckNodePort \(health.value) is a TCP nodePort of \(what(owner))")
        } else if let owner = healthCheckPorts[health.value] {
            health.node.report(.duplicatePort, "healthCheckNodePort \(health.value) is already used by \(what(owner))")
        } else {
            healthCheckPorts[health.value] = owner(claim.service, at: health.node)
        }
    }

    /// Gives back every claim of `service`, which was claimed without a problem: what
    /// ``claim(_:)`` and ``claimHealthCheckPort(_:)`` took for it, found from its model value,
    /// since the text it was decoded from is not kept.
    mutating func release(_ service: ServiceSpec) {
        names[service.name] = nil
        let ports = firstOfEach(service.ports) { PortKey(port: $0.port, protocol: $0.protocol) }
        for vip in firstOfEach(service.clusterIPs + service.externalIPs + service.loadBalancerIPs, by: \.self) {
            for port in ports { virtualServices[.address(vip, port: port.port, protocol: port.protocol)] = nil }
        }
        for port in ports {
            guard let nodePort = port.nodePort else { continue }
            nodePorts[PortKey(port: nodePort, protocol: port.protocol)] = nil
            for address in nodeAddresses { virtualServices[.address(address, port: nodePort, protocol: port.protocol)] = nil }
        }
        if let mark = service.firewallMark { virtualServices[.firewallMark(mark.mark, family: mark.family)] = nil }
        if let health = service.healthCheckNodePort { healthCheckPorts[health] = nil }
    }

    /// The virtual services the service makes, each with where it is written. Claims its node
    /// ports on the way (a node port taken by another service makes no virtual services here:
    /// that would only repeat the problem once per node address).
    private mutating func virtualServiceKeys(of service: DecodedService) -> [(VirtualServiceKey, ConfigNode)] {
        // A repeated VIP or port within the service is reported by DistinctnessRules; here it
        // would only repeat that problem once per port or address.
        let virtualIPs = firstOfEach(service.virtualIPs, by: \.value)
        let ports = firstOfEach(service.ports, by: \.key)
        var keys: [(VirtualServiceKey, ConfigNode)] = []
        for port in ports {
            for vip in virtualIPs {
                keys.append((.address(vip.value, port: port.port.value, protocol: port.protocol), vip.node))
            }
        }
        for port in ports {
            guard let nodePort = port.nodePort else { continue }
            let key = PortKey(port: nodePort.value, protocol: port.protocol)
            if let owner = nodePorts[key] {
                nodePort.node.report(
                    .duplicateVirtualService, "nodePort \(nodePort.value)/\(port.protocol.name) is already used by \(what(owner))")
                continue
            }
            if port.protocol == .tcp, let owner = healthCheckPorts[nodePort.value] {
                nodePort.node.report(
                    .duplicateVirtualService, "nodePort \(nodePort.value)/TCP is the healthCheckNodePort of \(what(owner))")
                continue
            }
            nodePorts[key] = owner(ServiceLabel(service), at: nodePort.node)
            for address in nodeAddresses {
                keys.append((.address(address, port: nodePort.value, protocol: port.protocol), nodePort.node))
            }
        }
        if let mark = service.firewallMark {
            keys.append((.firewallMark(mark.spec.mark, family: mark.spec.family), mark.markNode))
        }
        return keys
    }

    private func firstOfEach<Item, Key: Hashable>(_ items: [Item], by key: (Item) -> Key) -> [Item] {
        guard items.count > 1 else { return items }
        var seen = Set<Key>()
        return items.filter { seen.insert(key($0)).inserted }
    }
}
