import IPVSCore

/// Decodes the top level of the file: this node, the interface, the fleet's nodes and the
/// cluster's pod ranges, kernel settings, the services and the files that hold more of them.
enum DocumentDecoder {
    enum Key: String, ConfigKey {
        case node, interface, clusterCIDRs, nodes, kernel, defaults, services, serviceFiles
    }

    /// The keys of an entry of `nodes`.
    enum NodeKey: String, ConfigKey {
        case addresses, zone, podCIDRs
    }

    /// Top-level keys starting with this are ignored, as in Docker Compose: a place to define
    /// YAML anchors that services then merge (`<<: *defaults`).
    static let extensionPrefix = "x-"

    /// - Parameter servicesFromKubernetes: the services come from the Kubernetes API and the
    ///   file gives only the rest; it may then leave `services` out, and must not declare any.
    static func decode(_ root: ConfigNode, servicesFromKubernetes: Bool = false) -> DecodedDocument? {
        guard let fields = root.mapping(Key.self, ignoredPrefix: extensionPrefix) else { return nil }
        var document = DecodedDocument()
        if let nodeNode = fields[.node], let name = nodeNode.name() {
            document.node = Located(value: name, node: nodeNode)
        }
        if let interfaceNode = fields[.interface], let name = interfaceName(interfaceNode) {
            document.interface = name
        }
        if let rangesNode = fields[.clusterCIDRs] {
            document.clusterCIDRs = prefixes(rangesNode)
        }
        if let nodesNode = fields[.nodes] {
            document.nodes = nodes(nodesNode)
        }
        if let kernelNode = fields[.kernel] {
            document.kernel = KernelSettingsDecoder.decode(kernelNode)
        }
        if let defaultsNode = fields[.defaults], let defaults = DefaultsDecoder.decode(defaultsNode) {
            document.defaults = defaults
        }
        if servicesFromKubernetes {
            if let servicesNode = fields[.services], servicesNode.sequence()?.isEmpty == false {
                servicesNode.report(
                    .invalidValue, "services come from the Kubernetes API here; this file gives only interface, nodes, kernel and defaults")
            }
            if let filesNode = fields[.serviceFiles] {
                filesNode.report(.invalidValue, "services come from the Kubernetes API here; this file names no service files")
            }
            return document
        }
        if let filesNode = fields[.serviceFiles] {
            document.serviceFiles = serviceFilePatterns(filesNode)
        }
        // Required, even if empty, unless files hold the services: a file that lost its
        // services (truncated, wrong file) must not read as "remove every service".
        let servicesNode =
            fields[.serviceFiles] == nil
            ? fields.required(.services, reason: " (it may be empty, or 'serviceFiles' may name the files that hold the services)")
            : fields[.services]
        document.serviceItems = servicesNode?.sequence() ?? []
        return document
    }

    /// `serviceFiles`: a list of non-empty patterns.
    private static func serviceFilePatterns(_ node: ConfigNode) -> [Located<String>] {
        (node.sequence() ?? []).compactMap { item in
            guard let pattern = item.string() else { return nil }
            guard !pattern.isEmpty else {
                item.report(.invalidValue, "a service file pattern cannot be empty")
                return nil
            }
            return Located(value: pattern, node: item)
        }
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
        let base = node.pathID
        return (node.openMapping() ?? []).compactMap { entry in
            let name = entry.key
            let value = entry.value.reached(from: base, step: .entry(entry.keyIndex))
            let keyNode = value.node(entry.keyIndex, parentPath: base, step: .entry(entry.keyIndex))
            if name.isEmpty {
                keyNode.report(.invalidValue, "a node name must not be empty")
            }
            guard let fields = value.mapping(NodeKey.self) else { return nil }
            let addresses =
                fields.required(.addresses)?.sequence()?.compactMap { item in
                    item.address().map { Located(value: $0, node: item) }
                } ?? []
            let zone = fields[.zone]?.name()
            let podCIDRs = fields[.podCIDRs].map(prefixes) ?? []
            return DecodedNode(
                name: Located(value: name, node: keyNode), addresses: addresses, zone: zone,
                podCIDRs: podCIDRs.map(\.value))
        }
    }

    /// The valid ranges of a list of CIDRs, each with where it is written.
    static func prefixes(_ node: ConfigNode) -> [Located<IPPrefix>] {
        node.sequence()?.compactMap { item in item.prefix().map { Located(value: $0, node: item) } } ?? []
    }
}

/// The document as decoded, before the rules that span services. Its services are decoded one
/// at a time, each checked as it is (``DocumentRules``), and only their model values are kept.
struct DecodedDocument {
    var node: Located<String>?
    var interface = DesiredState.defaultInterface
    var clusterCIDRs: [Located<IPPrefix>] = []
    var nodes: [DecodedNode] = []
    var kernel = KernelSettings()
    var defaults = ServiceDefaults()
    /// The items of `services`, not yet decoded.
    var serviceItems: [ConfigNode] = []
    /// The patterns of `serviceFiles`, as written.
    var serviceFiles: [Located<String>] = []
    var services: [ServiceSpec] = []

    var state: DesiredState {
        DesiredState(
            node: node?.value,
            nodeAddresses: Dictionary(nodes.map { ($0.name.value, $0.addresses.map(\.value)) }) { first, _ in first },
            nodeZones: Dictionary(nodes.compactMap { node in node.zone.map { (node.name.value, $0) } }) { first, _ in first },
            clusterCIDRs: clusterCIDRs.map(\.value),
            nodePodCIDRs: Dictionary(nodes.compactMap { node in node.podCIDRs.isEmpty ? nil : (node.name.value, node.podCIDRs) }) {
                first, _ in first
            },
            interface: interface,
            services: services,
            kernel: kernel,
            defaults: defaults)
    }
}

/// One entry of `nodes`.
struct DecodedNode {
    /// Its key in `nodes`.
    var name: Located<String>
    var addresses: [Located<IPAddress>]
    /// `topology.kubernetes.io/zone` of the node, for `trafficDistribution: PreferSameZone`.
    var zone: String?
    /// The node's own pod ranges (a Node's `spec.podCIDRs`).
    var podCIDRs: [IPPrefix] = []
}
