import IPVSCore

/// Decodes `forwarding:` and, for tunnels, `tunnel: {type, port, checksum}`. The two keys stay
/// apart so that the common case is one word.
enum ForwardingDecoder {
    enum TunnelKey: String, ConfigKey {
        case type, port, checksum
    }
    static let tunnelTypes: [(word: String, value: Tunnel.Kind)] = [("ipip", .ipip), ("gue", .gue), ("gre", .gre)]
    static let checksums: [(word: String, value: Tunnel.Checksum)] = [
        ("none", .none), ("checksum", .checksum), ("remote-checksum", .remoteChecksum),
    ]

    static func decode(forwarding: ConfigNode?, tunnel: ConfigNode?, into service: inout DecodedService) {
        if let forwarding {
            if let kind = forwarding.choice(ForwardingKind.words) {
                service.forwarding = kind
            } else {
                service.incomplete.insert(.forwarding)
            }
        }
        if let tunnel, let options = decodeTunnel(tunnel) {
            service.tunnel = Located(value: options, node: tunnel)
        }
    }

    /// The encapsulation rules the kernel applies, checked here where the file can say which
    /// field is wrong: GUE needs a UDP port and is the only one that has a port; IPIP carries no
    /// checksum option; remote checksum offload exists only for GUE.
    private static func decodeTunnel(_ node: ConfigNode) -> Tunnel? {
        guard let fields = node.mapping(TunnelKey.self) else { return nil }
        let typeNode = fields[.type]
        let kind = typeNode.map { $0.choice(tunnelTypes) } ?? .ipip
        let portNode = fields[.port]
        let port = portNode?.integer(in: Limits.port)
        let checksumNode = fields[.checksum]
        let checksum = checksumNode.map { $0.choice(checksums) } ?? Tunnel.Checksum.none
        guard let kind, let checksum else { return nil }

        var valid = true
        if kind == .gue, portNode == nil {
            node.report(
                .missingKey, missing: "port",
                "required key 'port' is missing: a GUE tunnel needs the UDP port to encapsulate to")
            valid = false
        }
        if kind != .gue, let portNode {
            portNode.report(.notApplicable, "only a GUE tunnel has a port, this one is \(word(for: kind))")
            valid = false
        }
        if let checksumNode, kind == .ipip, checksum != .none {
            checksumNode.report(.notApplicable, "an IPIP tunnel has no checksum option; use gue or gre")
            valid = false
        }
        if let checksumNode, kind == .gre, checksum == .remoteChecksum {
            checksumNode.report(.notApplicable, "remote checksum offload exists only for GUE tunnels")
            valid = false
        }
        guard valid, portNode == nil || port != nil else { return nil }
        return Tunnel(kind: kind, port: port ?? 0, checksum: checksum)
    }

    private static func word(for kind: Tunnel.Kind) -> String {
        tunnelTypes.first { $0.value == kind }?.word ?? "\(kind)"
    }
}
