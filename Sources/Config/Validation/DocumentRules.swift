import IPVSCore

/// The rules that span the whole config (its file and its service files), and the order every
/// rule runs in.
///
/// Services are checked one at a time, as they are decoded (``check(_:)``), so that a decoded
/// service, which keeps a node for every value it holds, is gone before the next one is decoded:
/// at 10,000 services, keeping them all until the end was most of the peak memory of a load.
struct DocumentRules {
    /// What the services see of the rest of the file.
    struct Context: Sendable {
        /// The families of the fleet's node addresses, where node ports are served.
        var nodeFamilies: AddressFamilies
        /// The names in `nodes`; nil when the file lists no nodes (any name is then accepted).
        var knownNodes: Set<String>?
        /// How a problem names the known nodes.
        var listing: String

        init(_ document: DecodedDocument) {
            nodeFamilies = AddressFamilies(document.nodes.flatMap { $0.addresses.map(\.value.family) })
            knownNodes = document.nodes.isEmpty ? nil : Set(document.nodes.map(\.name.value))
            listing = document.nodes.map(\.name.value).joined(separator: ", ")
        }
    }

    let context: Context
    private var claims: ServiceClaims
    /// Claimed once every service is: a health-check port must be free of every TCP node port,
    /// including those of services written after it.
    private var healthCheckPorts: [ServiceClaims.HealthCheckPort] = []

    /// Rules for the services of `document`, whose other parts are decoded, written in `file`.
    init(_ document: DecodedDocument, file: String) {
        self.init(context: Context(document), claims: ServiceClaims(nodes: document.nodes, file: file))
    }

    /// The services checked from now on are written in `file` (a service file).
    mutating func enterFile(_ file: String) {
        claims.enterFile(file)
    }

    /// Rules for services checked against `claims`, those of the services already checked.
    private init(context: Context, claims: ServiceClaims) {
        self.context = context
        self.claims = claims
    }

    /// The rules within one service, and its claims against the services checked before it.
    mutating func check(_ service: DecodedService) {
        Self.check(service, context: context)
        claims.claim(service)
        if let port = claims.healthCheckPort(of: service) { healthCheckPorts.append(port) }
    }

    /// The rules left once every service is checked; returns what the services claim, for a
    /// later reload that changes only some of them (``checkReplacement(_:with:claims:context:)``).
    consuming func finish(_ document: DecodedDocument) -> ServiceClaims {
        Self.checkNodes(document, context: context)
        return claimingHealthCheckPorts()
    }

    /// Every claim, the health-check ports' last.
    private consuming func claimingHealthCheckPorts() -> ServiceClaims {
        for port in healthCheckPorts { claims.claimHealthCheckPort(port) }
        return claims
    }

    /// The rules for services written in `file` that replace others in a config that passed
    /// every rule: the same as a load of the whole new config would apply. Problems go to the
    /// new services' log; `claims` then is no longer meaningful.
    static func checkReplacement(
        _ old: [ServiceSpec], with new: [DecodedService], in file: String, claims: inout ServiceClaims, context: Context
    ) {
        for service in old { claims.release(service) }
        claims.enterFile(file)
        var rules = DocumentRules(context: context, claims: claims)
        for service in new { rules.check(service) }
        claims = rules.claimingHealthCheckPorts()
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
