import IPVSCore
import KubernetesAPI

/// This node as the mapping needs it: the addresses node ports are served on, and its zone.
struct ReadNode {
    var addresses: [IPAddress]
    var zone: String?

    /// `InternalIP` and `ExternalIP` addresses, in the order given, each once; a bad one is left out.
    init(_ node: KubernetesNode, log: inout SkipLog) {
        var addresses: [IPAddress] = []
        for (index, entry) in (node.status?.addresses ?? []).enumerated() {
            guard let type = entry.type, NodeAddressType(rawValue: type) != nil, let text = entry.address else { continue }
            guard let address = IPAddress(text) else {
                log.skip(.node, node.metadata.key, field: "status.addresses[\(index)]", .badAddress(text))
                continue
            }
            if !addresses.contains(address) { addresses.append(address) }
        }
        self.addresses = addresses
        zone = node.metadata.labels?[WellKnownLabel.zone]
    }
}
