import IPVSCore
import YAML

/// Loads the YAML config file, and the service files it names, into the desired state, or
/// refuses it with every problem found.
///
/// Loading is all-or-nothing: a config with any problem, in any of its files, yields no state
/// at all, so an invalid file can never change the kernel's table.
public enum ConfigLoader {
    /// The largest config file read: far beyond any real fleet (10,000 services of ten
    /// endpoints are about 4 MB), small enough that a file written by mistake (a log, an image)
    /// is refused at once instead of being parsed for minutes into gigabytes.
    public static let maximumFileBytes = 32 * 1024 * 1024

    /// The most service files a config may name: a pattern that matched a whole file system by
    /// mistake is refused at once instead of being read file by file.
    public static let maximumServiceFiles = 10_000

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
        /// Nil when the file names no service files.
        var serviceFiles: ServiceFileSet?
    }

    /// The service files of a load: its patterns, and the files they matched, in order; their
    /// services follow the config file's own in the state.
    struct ServiceFileSet: Sendable {
        var patterns: ServiceFilePatterns
        var files: [ServiceFileVersion]
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
        var rules = DocumentRules(document, file: file)
        ServiceListDecoder.decode(document.serviceItems, rules: &rules, into: &document.services)
        var fileLogs: [ProblemLog] = []
        var serviceFiles: ServiceFileSet?
        if !document.serviceFiles.isEmpty {
            let patterns = ServiceFilePatterns(document.serviceFiles.map(\.value), relativeTo: file)
            var versions: [ServiceFileVersion] = []
            if let listing = expand(patterns, written: document.serviceFiles) {
                for file in listing.files {
                    let (version, log) = ServiceFileReader.load(file, listedAt: listing.takenAt, rules: &rules, into: &document.services)
                    fileLogs.append(log)
                    if let version { versions.append(version) }
                }
            }
            serviceFiles = ServiceFileSet(patterns: patterns, files: versions)
        }
        let context = rules.context
        let claims = rules.finish(document)
        // The config file's problems first, then each service file's, each in file order.
        let problems = ([root.log] + fileLogs).flatMap(\.sortedUniqueProblems)
        guard problems.isEmpty else { throw ConfigError(problems: problems) }
        return Loaded(state: document.state, tree: tree, claims: claims, context: context, serviceFiles: serviceFiles)
    }

    /// The files `patterns` match, each stamped (the stamp a reload later compares); nil, with
    /// the problem reported where the patterns are written, when a pattern cannot be expanded or
    /// they match too many files.
    private static func expand(_ patterns: ServiceFilePatterns, written: [Located<String>]) -> ServiceFilePatterns.Listing? {
        do {
            let listing = try patterns.listing()
            guard listing.files.count <= maximumServiceFiles else {
                written[0].node.report(
                    .outOfRange,
                    "the service file patterns match \(listing.files.count) files; at most \(maximumServiceFiles) are read")
                return nil
            }
            return listing
        } catch {
            let node = zip(patterns.patterns, written).first { $0.0 == error.pattern }?.1.node ?? written[0].node
            node.report(.unreadableFile, "the service files '\(error.pattern)' cannot be listed: \(error.reason)")
            return nil
        }
    }
}
