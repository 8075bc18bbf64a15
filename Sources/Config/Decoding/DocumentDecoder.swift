import IPVSCore

/// Decodes the top level of the file: this node, the interface, the fleet's nodes, kernel
/// settings and the services.
enum DocumentDecoder {
    static let keys = ["node", "interface", "nodes", "kernel", "services"]
    static let nodeKeys = ["addresses", "zone"]

    /// Top-level keys starting with this are ignored, as in Docker Compose: a place to define
    /// YAML anchors that services then merge (`<<: *defaults`).
    static let extensionPrefix = "x-"

    static func decode(_ root: ConfigNode) -> DecodedDocument? {
        guard let fields = root.mapping(allowedKeys: keys, ignoredPrefix: extensionPrefix) else { return nil }
        var document = DecodedDocument()
        if let nodeNode = fields["node"], let name = nodeNode.name() {
            document.node = Located(value: name, node: nodeNode)
        }
        if let interfaceNode = fields["interface"], let name = interfaceName(interfaceNode) {
            document.interface = name
        }
        if let nodesNode = fields["nodes"] {
            document.nodes = nodes(nodesNode)
        }
        if let kernelNode = fields["kernel"] {
            document.kernel = KernelSettingsDecoder.decode(kernelNode)
        }
        // Required, even if empty: a file that lost its services (truncated, wrong file) must not
        // read as "remove every service".
        if let servicesNode = fields.required("services") {
            document.services = servicesNode.sequence()?.compactMap(ServiceDecoder.decode) ?? []
        }
        return document
    }

    /// The rules of the kernel's `dev_valid_name`, so that a bad name fails here and not when
    /// the interface is created: 1 to 15 bytes, not `.` or `..`, no `/`, `:` or whitespace.
    private static func interfaceName(_ node: ConfigNode) -> String? {
        guard let name = node.string() else { return nil }
        var reasons: [String] = []
        if !Limits.interfaceNameLength.contains(name.utf8.count) {
            reasons.append("must be 1 to 15 bytes long")
        }
        if name == "." || name == ".." {
            reasons.append("cannot be '.' or '..'")
        }
        if name.contains(where: { $0 == "/" || $0 == ":" || $0.isWhitespace }) {
            reasons.append("cannot contain '/', ':' or whitespace")
        }
        guard reasons.isEmpty else {
            node.report(.invalidValue, "interface name '\(name)' \(reasons.joined(separator: " and "))")
            return nil
        }
        return name
    }

    private static func nodes(_ node: ConfigNode) -> [DecodedNode] {
        (node.openMapping() ?? []).compactMap { entry in
            let name = entry.key
            let value = ConfigNode(node: entry.value.node, path: node.path.appending(entry: name), log: node.log)
            let keyNode = ConfigNode(node: entry.keyNode, path: value.path, log: node.log)
            if name.isEmpty {
                keyNode.report(.invalidValue, "a node name must not be empty")
            }
            guard let fields = value.mapping(allowedKeys: nodeKeys) else { return nil }
            let addresses = fields.required("addresses")?.sequence()?.compactMap { item in
                item.address().map { Located(value: $0, node: item) }
            } ?? []
            return DecodedNode(name: Located(value: name, node: keyNode), addresses: addresses, zone: fields["zone"]?.name())
        }
    }
}

/// The document as decoded, before the rules that span services.
struct DecodedDocument {
    var node: Located<String>?
    var interface = DesiredState.defaultInterface
    var nodes: [DecodedNode] = []
    var kernel = KernelSettings()
    var services: [DecodedService] = []

    var state: DesiredState {
        DesiredState(
            node: node?.value,
            nodeAddresses: Dictionary(nodes.map { ($0.name.value, $0.addresses.map(\.value)) }) { first, _ in first },
            nodeZones: Dictionary(nodes.compactMap { node in node.zone.map { (node.name.value, $0) } }) { first, _ in first },
            interface: interface,
            services: services.map(\.spec),
            kernel: kernel)
    }
}

/// One entry of `nodes`.
struct DecodedNode {
    /// Its key in `nodes`.
    var name: Located<String>
    var addresses: [Located<IPAddress>]
    /// Its zone, which `trafficDistribution` prefers.
    var zone: String?
}
