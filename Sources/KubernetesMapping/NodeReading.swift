import IPVSCore
import KubernetesAPI

/// This node as the mapping needs it: the addresses node ports are served on, its zone and its
/// pod ranges.
struct ReadNode {
    var addresses: [IPAddress]
    var zone: String?
    /// `spec.podCIDRs`, or `spec.podCIDR` on objects from before dual-stack; a bad one is left out.
    var podCIDRs: [IPPrefix]

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
        podCIDRs = Self.podCIDRs(node, log: &log)
    }

    private static func podCIDRs(_ node: KubernetesNode, log: inout SkipLog) -> [IPPrefix] {
        let written: [(text: String, field: String)]
        if let listed = node.spec?.podCIDRs, !listed.isEmpty {
            written = listed.enumerated().map { index, text in (text, "spec.podCIDRs[\(index)]") }
        } else if let single = node.spec?.podCIDR, !single.isEmpty {
            written = [(single, "spec.podCIDR")]
        } else {
            return []
        }
        var ranges: [IPPrefix] = []
        for (text, field) in written {
            guard let range = cidr(text) else {
                log.skip(.node, node.metadata.key, field: field, .badCIDR(text))
                continue
            }
            if !ranges.contains(range) { ranges.append(range) }
        }
        return ranges
    }
}
