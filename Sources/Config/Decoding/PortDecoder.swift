import IPVSCore

/// Decodes one entry of a service's `ports`, like a Kubernetes `ServicePort`.
enum PortDecoder {
    enum Key: String, ConfigKey {
        case name, port, targetPort, `protocol`, nodePort
    }
    static let protocols = TransportProtocol.allCases.map { (word: $0.name, value: $0) }

    static func decode(_ node: ConfigNode) -> DecodedPort? {
        guard let fields = node.mapping(Key.self) else { return nil }
        let nameNode = fields[.name]
        let name = nameNode?.name()
        let portNode = fields.required(.port)
        let port = portNode?.integer(in: Limits.port)
        let targetPortNode = fields[.targetPort]
        let targetPort = targetPortNode?.integer(
            in: Limits.port, hint: " (0, keeping the client's port, exists only for firewallMark.targetPort)")
        let protocolNode = fields[.protocol]
        let transport = protocolNode.map { $0.choice(protocols, code: .unknownProtocol, ignoringCase: true) } ?? .tcp
        let nodePortNode = fields[.nodePort]
        let nodePort = nodePortNode?.integer(in: Limits.port)

        // Port and protocol identify it and a node port makes virtual services: without them the
        // rules about this port would only guess. A wrong name or targetPort is reported and
        // leaves the rest checkable.
        guard let portNode, let port, let transport, nodePortNode == nil || nodePort != nil else { return nil }
        return DecodedPort(
            node: node,
            name: located(name, nameNode),
            port: Located(value: port, node: portNode),
            targetPort: located(targetPort, targetPortNode),
            protocol: transport,
            nodePort: located(nodePort, nodePortNode))
    }
}

/// A value with its node when both are there.
func located<Value>(_ value: Value?, _ node: ConfigNode?) -> Located<Value>? {
    guard let value, let node else { return nil }
    return Located(value: value, node: node)
}
