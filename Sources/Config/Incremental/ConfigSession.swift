import IPVSCore

/// The config file as last loaded, with what loading it again after an edit needs to read only
/// the services the edit touched: the agent's reload of a 10,000-service file after a
/// one-service edit then costs about what that service costs, not what the file does.
///
/// A load compares the new text with the last good one item by item, by their fingerprints
/// (``ServiceListText``): the last text itself is not kept. When all that differs lies within
/// items of the `services` list, and the file has no aliases (whose meaning reaches across
/// items) and no directives, those items alone are composed and decoded again, on their own,
/// and checked against what the other services claim (``ServiceClaims``). Any problem, or any
/// other edit, and the whole file is loaded as ``ConfigLoader`` loads it: a refused file is
/// reported exactly as a full load reports it, every problem at its line and column.
public struct ConfigSession: Sendable {
    public let path: String
    public let origin: ConfigLoader.ServiceOrigin
    /// The last good state.
    public private(set) var state: DesiredState
    /// What a load of part of the file needs; nil when the next load must read all of it.
    private var partial: Partial?

    private struct Partial: Sendable {
        var text: ServiceListText
        var claims: ServiceClaims
        var context: DocumentRules.Context
    }

    /// What a load changed.
    public struct Change: Sendable, Equatable {
        /// The services whose specs changed, when nothing else did (the same services in the
        /// same order); nil when more may have.
        public var editedServices: Set<String>?
        /// Whether only the edited services were read again.
        public var readPartially: Bool
    }

    /// Loads the file at `path`, or refuses it with every problem found.
    public init(loading path: String, servicesFrom origin: ConfigLoader.ServiceOrigin = .file) throws(ConfigError) {
        try self.init(path: path, text: SourceFile.bytes(of: path), servicesFrom: origin)
    }

    /// A session over `text`, as if read from `path`.
    public init(path: String, text: [UInt8], servicesFrom origin: ConfigLoader.ServiceOrigin = .file) throws(ConfigError) {
        self.path = path
        self.origin = origin
        (state, partial) = try Self.loadWhole(Self.withoutByteOrderMark(text), path: path, origin: origin)
    }

    /// What the next load compares its text with; nil when it will read the whole text.
    var remembered: ServiceListText? { partial?.text }

    /// Reads the file again. A refused file leaves the session as it was.
    public mutating func reload() throws(ConfigError) -> Change {
        try load(contentsOf: path)
    }

    /// Takes the content of `file` as the new content of this session's file (which
    /// ``reload()`` reads), compared with the last good text as it is read. A refused file
    /// leaves the session as it was.
    public mutating func load(contentsOf file: String) throws(ConfigError) -> Change {
        let whole = { () throws(ConfigError) in Self.withoutByteOrderMark(try SourceFile.bytes(of: file)) }
        guard let remembered = partial?.text else { return try loadWhole(whole()) }
        let compared: (ServiceListText.Comparison, ServiceListText.Excerpt?)
        do {
            compared = try BoundedFile.comparison(of: file, with: remembered, limit: ConfigLoader.maximumFileBytes)
        } catch {
            throw SourceFile.problem(error, file: file)
        }
        // A whole load reads the file again, and takes whatever version it then finds.
        return try load(compared.0, excerpt: compared.1, whole: whole)
    }

    /// Takes `text` as the file's new content. A refused text leaves the session as it was.
    public mutating func load(_ text: [UInt8]) throws(ConfigError) -> Change {
        let text = Self.withoutByteOrderMark(text)
        guard let remembered = partial?.text else { return try loadWhole(text) }
        let excerpt = ServiceListText.Excerpt(start: 0, bytes: text, textCount: text.count)
        return try load(text.withUnsafeBytes(remembered.compare), excerpt: excerpt) { () throws(ConfigError) in text }
    }

    /// Takes in a new text as `comparison` with the last good one found it: `excerpt` holds at
    /// least what an edit of items needs, `whole` gives the whole new text.
    private mutating func load(
        _ comparison: ServiceListText.Comparison, excerpt: ServiceListText.Excerpt?, whole: () throws(ConfigError) -> [UInt8]
    ) throws(ConfigError) -> Change {
        switch comparison {
        case .same:
            return Change(editedServices: [], readPartially: true)
        case .items(let items, let replacement):
            if let excerpt, let change = loadPart(items, replacedBy: replacement, from: excerpt) { return change }
        case .notWithinItems:
            break
        }
        return try loadWhole(whole())
    }

    /// Loads the whole `text`, without a byte-order mark.
    private mutating func loadWhole(_ text: [UInt8]) throws(ConfigError) -> Change {
        (state, partial) = try Self.loadWhole(text, path: path, origin: origin)
        return Change(editedServices: nil, readPartially: false)
    }

    private static func withoutByteOrderMark(_ bytes: [UInt8]) -> [UInt8] {
        let stripped = SourceFile.withoutByteOrderMark(bytes)
        return stripped.count == bytes.count ? bytes : Array(stripped)
    }

    /// Loads the whole text; with what a later load of part of it needs when the file allows
    /// one: its services in a block list, no aliases or directives, and no file it names (a CA
    /// bundle may change while the config does not, and only a whole load reads it again).
    private static func loadWhole(
        _ text: [UInt8], path: String, origin: ConfigLoader.ServiceOrigin
    ) throws(ConfigError) -> (DesiredState, Partial?) {
        let loaded = try ConfigLoader.decode(YAMLDocument.compose(text, file: path), file: path, servicesFrom: origin)
        guard origin == .file, let tree = loaded.tree, !tree.usesAliases, !tree.hasDirectives,
            !loaded.state.services.contains(where: Self.namesFiles),
            let list = tree.rootValue(of: "services"), let claims = loaded.claims, let context = loaded.context,
            let layout = text.withUnsafeBufferPointer({ ServiceListLayout(of: list, in: tree, text: $0) })
        else { return (loaded.state, nil) }
        let remembered = text.withUnsafeBytes { ServiceListText($0, layout: layout) }
        return (loaded.state, Partial(text: remembered, claims: claims, context: context))
    }

    /// Whether a service's checks read a file (`caFile`) when the config is loaded.
    private static func namesFiles(_ service: ServiceSpec) -> Bool {
        let checks = [service.healthCheck] + service.endpoints.map(\.healthCheck)
        return checks.contains { check in
            guard case .http(let probe)? = check?.probe, case .bundle? = probe.verification?.trustRoots else { return false }
            return true
        }
    }

    /// Loads the services `items`, which the bytes `replacement` of the new text replace (held
    /// by `excerpt`), when they pass every rule; nil otherwise (the whole text is then loaded).
    private mutating func loadPart(
        _ items: Range<Int>, replacedBy replacement: Range<Int>, from excerpt: ServiceListText.Excerpt
    ) -> Change? {
        guard var partial = partial.take() else { return nil }
        let log = ProblemLog(file: path)
        guard let after = Self.services(in: excerpt[replacement], column: partial.text.layout.column, log: log),
            // A list left empty is `services:` with nothing, which a full load refuses.
            after.services.count > items.count - partial.text.layout.count,
            !after.services.contains(where: { Self.namesFiles($0.spec) })
        else {
            self.partial = partial
            return nil
        }
        let oldSpecs = Array(state.services[items])  // a copy of the few, not of the list
        // From here on the claims change: a refused part leaves them unusable, and the next
        // load reads the whole file (as this one then does).
        DocumentRules.checkReplacement(oldSpecs, with: after.services, claims: &partial.claims, context: partial.context)
        guard log.problems.isEmpty else { return nil }

        let newSpecs = after.services.map(\.spec)
        state.services.replaceSubrange(items, with: newSpecs)
        let starts = after.starts.map { $0 + replacement.lowerBound }
        partial.text = partial.text.replacing(items, withItemsAt: starts, from: excerpt)
        self.partial = partial
        var edited: Set<String>? = nil
        if oldSpecs.count == newSpecs.count, zip(oldSpecs, newSpecs).allSatisfy({ $0.name == $1.name }) {
            edited = Set(zip(oldSpecs, newSpecs).filter { $0 != $1 }.map(\.0.name))
        }
        return Change(editedServices: edited, readPartially: true)
    }

    /// The services written in `slice`, whole items of a block list whose `-` are at `column`,
    /// read on their own, and where each begins in the slice; nil when the slice is not that
    /// (or not UTF-8, or uses aliases, directives or document markers), or a service did not
    /// decode.
    private static func services(
        in slice: ArraySlice<UInt8>, column: Int, log: ProblemLog
    ) -> (services: [DecodedService], starts: [Int])? {
        slice.withUnsafeBufferPointer { buffer in
            guard String(validating: buffer, as: UTF8.self) != nil else { return nil }
            let composed: YAMLTree?
            do { composed = try EventComposer.compose(utf8: buffer) } catch { return nil }
            // Comments and blank lines only: the edit removed these items.
            guard let tree = composed else { return ([], []) }
            // A marker or directive ends or starts a document: on their own the items are one,
            // in the file they are not.
            guard !tree.usesAliases, !tree.hasDirectives, !tree.hasMarkers,
                Int(tree[tree.root].column) - 1 == column,
                let layout = ServiceListLayout(of: tree.root, in: tree, text: buffer, end: buffer.count),
                let items = ConfigNode(root: tree, log: log).sequence()
            else { return nil }
            let services = items.compactMap(ServiceDecoder.decode)
            guard services.count == items.count, log.problems.isEmpty else { return nil }
            return (services, Array(layout.boundaries.dropLast()))
        }
    }
}
