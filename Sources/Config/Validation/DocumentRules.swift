import IPVSCore

/// The rules that span the whole file, and the order every rule runs in.
enum DocumentRules {
    /// What the services see of the rest of the file.
    struct Context {
        /// The families of the fleet's node addresses, where node ports are served.
        var nodeFamilies: Set<AddressFamily>
        /// The names in `nodes`; nil when the file lists no nodes (any name is then accepted).
        var knownNodes: Set<String>?
        /// How a problem names the known nodes.
        var listing: String

        init(_ document: DecodedDocument) {
            nodeFamilies = Set(document.nodes.flatMap { $0.addresses.map(\.value.family) })
            knownNodes = document.nodes.isEmpty ? nil : Set(document.nodes.map(\.name.value))
            listing = document.nodes.map(\.name.value).joined(separator: ", ")
        }
    }

    /// Checks the whole document; returns what its services claim, for a later reload that
    /// changes only some of them (``checkReplacement(_:with:claims:context:)``).
    @discardableResult
    static func check(_ document: DecodedDocument) -> ServiceClaims {
        let context = Context(document)
        for service in document.services { check(service, context: context) }
        var claims = ServiceClaims(nodes: document.nodes)
        for service in document.services { claims.claim(service) }
        for service in document.services { claims.claimHealthCheckPort(of: service) }
        checkNodes(document, context: context)
        return claims
    }

    /// The rules for services that replace others in a document that passed every rule: the
    /// same as ``check(_:)`` would apply to the whole new document. Problems go to the new
    /// services' log; `claims` then is no longer meaningful.
    static func checkReplacement(
        _ old: [DecodedService], with new: [DecodedService], claims: inout ServiceClaims, context: Context
    ) {
        for service in old { claims.release(service) }
        for service in new { check(service, context: context) }
        for service in new { claims.claim(service) }
        for service in new { claims.claimHealthCheckPort(of: service) }
    }

    /// The rules within one service, and its endpoints' nodes.
    private static func check(_ service: DecodedService, context: Context) {
        ServiceRules.check(service)
        DistinctnessRules.check(service)
        AddressFamilyRules.check(service, nodeFamilies: context.nodeFamilies)
        if let known = context.knownNodes {
            for reference in service.endpoints.compactMap(\.nodeName) where !known.contains(reference.value) {
                reference.node.report(.unknownNode, "node '\(reference.value)' is not listed in nodes (\(context.listing))")
            }
        }
    }

    /// Node addresses are distinct across the fleet, and when `nodes` lists the fleet, this
    /// node's name is one of them (as every endpoint's is): a misspelt endpoint node would
    /// otherwise never be local anywhere and silently blackhole a `Local` service.
    private static func checkNodes(_ document: DecodedDocument, context: Context) {
        DistinctnessRules.reportRepeats(
            document.nodes.flatMap(\.addresses), code: .duplicateAddress,
            key: \.value, at: \.node
        ) { first in
            "\(first.value) is already an address of a node (\(first.node.path), \(first.node.position))"
        }
        if let known = context.knownNodes, let reference = document.node, !known.contains(reference.value) {
            reference.node.report(.unknownNode, "node '\(reference.value)' is not listed in nodes (\(context.listing))")
        }
    }
}
