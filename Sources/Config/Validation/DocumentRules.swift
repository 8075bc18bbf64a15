import IPVSCore

/// The rules that span the whole file, and the order every rule runs in.
enum DocumentRules {
    static func check(_ document: DecodedDocument) {
        let nodeFamilies = Set(document.nodes.flatMap { $0.addresses.map(\.value.family) })
        for service in document.services {
            ServiceRules.check(service)
            DistinctnessRules.check(service)
            AddressFamilyRules.check(service, nodeFamilies: nodeFamilies)
        }

        DistinctnessRules.reportRepeats(
            document.services.compactMap(\.name), code: .duplicateName,
            key: \.value, at: \.node
        ) { first in
            "service name '\(first.value)' is already used (\(first.node.position))"
        }
        var registry = VirtualServiceRegistry(nodes: document.nodes)
        for service in document.services { registry.register(service) }
        registry.checkHealthCheckPorts(document.services)

        checkNodes(document)
    }

    /// Node addresses are distinct across the fleet, and when `nodes` lists the fleet, every
    /// node name used elsewhere is one of them: a misspelt endpoint node would otherwise never be
    /// local anywhere and silently blackhole a `Local` service.
    private static func checkNodes(_ document: DecodedDocument) {
        DistinctnessRules.reportRepeats(
            document.nodes.flatMap(\.addresses), code: .duplicateAddress,
            key: \.value, at: \.node
        ) { first in
            "\(first.value) is already an address of a node (\(first.node.path), \(first.node.position))"
        }
        guard !document.nodes.isEmpty else { return }
        let known = Set(document.nodes.map(\.name.value))
        let listing = document.nodes.map(\.name.value).joined(separator: ", ")
        let references =
            [document.node].compactMap { $0 }
            + document.services.flatMap { $0.endpoints.compactMap(\.nodeName) }
        for reference in references where !known.contains(reference.value) {
            reference.node.report(.unknownNode, "node '\(reference.value)' is not listed in nodes (\(listing))")
        }
    }
}
