import IPVSCore

/// Loads the YAML config file into the desired state, or refuses it with every problem found.
///
/// Loading is all-or-nothing: a file with any problem yields no state at all, so an invalid
/// file can never change the kernel's table.
public enum ConfigLoader {
    /// The largest config file read: far beyond any real fleet (10,000 services of ten
    /// endpoints are about 4 MB), small enough that a file written by mistake (a log, an image)
    /// is refused at once instead of being parsed for minutes into gigabytes.
    public static let maximumFileBytes = 32 * 1024 * 1024

    /// Reads and parses the file at `path`. A file that cannot be read is a ``ConfigError`` too,
    /// so callers have one error to print.
    public static func load(contentsOf path: String, servicesFrom origin: ServiceOrigin = .file) throws(ConfigError) -> DesiredState {
        // The text is gone before the tree is decoded: the tree holds all that decoding reads.
        let tree = try YAMLDocument.compose(SourceFile.bytes(of: path), file: path)
        return try decode(tree, file: path, servicesFrom: origin).state
    }

    /// Where the services come from.
    public enum ServiceOrigin: Sendable {
        /// The file's `services` (required, even if empty).
        case file
        /// The Kubernetes API: the file gives the rest (interface, nodes, kernel, defaults) and
        /// declares no services; an empty file is all defaults.
        case kubernetes
    }

    /// Parses `text`; `file` is only the name that problems carry.
    public static func parse(_ text: String, file: String, servicesFrom origin: ServiceOrigin = .file) throws(ConfigError) -> DesiredState {
        try decode(YAMLDocument.compose(text, file: file), file: file, servicesFrom: origin).state
    }

    /// A loaded document with what a later reload of part of it needs.
    struct Loaded {
        var state: DesiredState
        /// Nil for a file with no document.
        var tree: YAMLTree?
        var claims: ServiceClaims?
        var context: DocumentRules.Context?
    }

    /// Decodes and checks a composed document (nil: the file holds none).
    static func decode(_ tree: YAMLTree?, file: String, servicesFrom origin: ServiceOrigin) throws(ConfigError) -> Loaded {
        guard let tree else {
            if origin == .kubernetes { return Loaded(state: DesiredState()) }
            throw ConfigError(problems: [
                ConfigProblem(
                    file: file, line: 1, column: 1, path: "services", code: .missingKey,
                    message: "the file holds no document; it needs at least 'services' (which may be empty: services: [])")
            ])
        }
        let root = ConfigNode(root: tree, log: ProblemLog(file: file))
        guard var document = DocumentDecoder.decode(root, servicesFromKubernetes: origin == .kubernetes) else {
            throw ConfigError(problems: root.log.sortedUniqueProblems)
        }
        var rules = DocumentRules(document)
        document.services.reserveCapacity(document.serviceItems.count)
        for item in document.serviceItems {
            guard let service = ServiceDecoder.decode(item) else { continue }
            rules.check(service)
            document.services.append(service.spec)
        }
        let context = rules.context
        let claims = rules.finish(document)
        let problems = root.log.sortedUniqueProblems
        guard problems.isEmpty else { throw ConfigError(problems: problems) }
        return Loaded(state: document.state, tree: tree, claims: claims, context: context)
    }
}
