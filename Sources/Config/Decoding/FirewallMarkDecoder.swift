import IPVSCore

/// Decodes `firewallMark: {mark, family, targetPort}`.
enum FirewallMarkDecoder {
    enum Key: String, ConfigKey {
        case mark, family, targetPort
    }
    static let families = AddressFamily.allCases.map { (word: $0.description, value: $0) }

    static func decode(_ node: ConfigNode) -> DecodedFirewallMark? {
        guard let fields = node.mapping(Key.self) else { return nil }
        let markNode = fields.required(.mark)
        let mark = markNode?.integer(in: Limits.firewallMark)
        let familyNode = fields[.family]
        let family = familyNode.map { $0.choice(families) } ?? .inet
        let targetPortNode = fields[.targetPort]
        let targetPort = Written(targetPortNode) { $0.integer(in: Limits.firewallMarkTargetPort) }
        // Mark and family identify the virtual service; a wrong targetPort is reported and
        // leaves them checkable.
        guard let markNode, let mark, let family else { return nil }
        return DecodedFirewallMark(
            spec: FirewallMarkSpec(mark: mark, family: family, targetPort: targetPort.value ?? 0),
            markNode: markNode, targetPortNode: targetPortNode, targetPortRefused: targetPort.isRefused)
    }
}
