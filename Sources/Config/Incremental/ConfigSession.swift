import IPVSCore

/// The config file as last loaded, kept so that loading it again after an edit reads only the
/// services the edit touched: the agent's reload of a 10,000-service file after a one-service
/// edit then costs about what that service costs, not what the file does.
///
/// A load compares the new text with the last good one byte for byte. When all that differs
/// lies within items of the `services` list, and the file has no aliases (whose meaning reaches
/// across items) and no directives, those items alone are composed and decoded again, on their
/// own, and checked against what the other services claim (``ServiceClaims``). Any problem, or
/// any other edit, and the whole file is loaded as ``ConfigLoader`` loads it: a refused file is
/// reported exactly as a full load reports it, every problem at its line and column.
public struct ConfigSession: Sendable {
    public let path: String
    public let origin: ConfigLoader.ServiceOrigin
    /// The last good state.
    public private(set) var state: DesiredState
    /// The last good text, without a byte-order mark.
    private var text: [UInt8]
    /// What a load of part of the file needs; nil when the next load must read all of it.
    private var partial: Partial?

    private struct Partial: Sendable {
        var layout: ServiceListLayout
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
        self.text = Self.withoutByteOrderMark(text)
        (state, partial) = try Self.loadWhole(self.text, path: path, origin: origin)
    }

    /// The last good text, without a byte-order mark.
    var lastGoodText: [UInt8] { text }

    /// Reads the file again. A refused file leaves the session as it was.
    public mutating func reload() throws(ConfigError) -> Change {
        try load(contentsOf: path)
    }

    /// Takes the content of `file` as the new content of this session's file (which
    /// ``reload()`` reads): compared with the last good text as it is read (``TextDifference``).
    /// A refused file leaves the session as it was.
    public mutating func load(contentsOf file: String) throws(ConfigError) -> Change {
        let difference: TextDifference?
        do {
            difference = try BoundedFile.difference(of: file, from: text, limit: ConfigLoader.maximumFileBytes)
        } catch {
            throw SourceFile.problem(error, file: file)
        }
        return try load(difference)
    }

    /// Takes `text` as the file's new content. A refused text leaves the session as it was.
    public mutating func load(_ text: [UInt8]) throws(ConfigError) -> Change {
        try load(TextDifference.between(self.text, Self.withoutByteOrderMark(text)))
    }

    /// Takes the last good text with `difference` (nil: the same text) as the file's content.
    private mutating func load(_ difference: TextDifference?) throws(ConfigError) -> Change {
        // The same text: nothing to do, unless the file names others (CA bundles), which only
        // a whole load reads again.
        if difference == nil, partial != nil { return Change(editedServices: [], readPartially: true) }
        if let difference, let change = loadPart(difference) { return change }
        let new = difference?.applied(to: text) ?? text
        let (state, partial) = try Self.loadWhole(new, path: path, origin: origin)
        self.state = state
        self.partial = partial
        self.text = new
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
        return (loaded.state, Partial(layout: layout, claims: claims, context: context))
    }

    /// Whether a service's checks read a file (`caFile`) when the config is loaded.
    private static func namesFiles(_ service: ServiceSpec) -> Bool {
        let checks = [service.healthCheck] + service.endpoints.map(\.healthCheck)
        return checks.contains { check in
            guard case .http(let probe)? = check?.probe, case .bundle? = probe.verification?.trustRoots else { return false }
            return true
        }
    }

    /// Loads the items of `services` that `difference` touches, when it touches nothing else
    /// and they pass every rule; nil otherwise (the whole file is then loaded).
    private mutating func loadPart(_ difference: TextDifference) -> Change? {
        guard var partial = partial.take() else { return nil }
        guard let items = partial.layout.items(touching: difference.replaced) else {
            self.partial = partial
            return nil
        }
        let oldSlice = partial.layout.boundaries[items.lowerBound]..<partial.layout.boundaries[items.upperBound + 1]
        // The new text of those items: the old, with the replacement.
        var newSlice = Array(text[oldSlice])
        newSlice.replaceSubrange(
            (difference.replaced.lowerBound - oldSlice.lowerBound)..<(difference.replaced.upperBound - oldSlice.lowerBound),
            with: difference.replacement)
        let log = ProblemLog(file: path)
        guard let before = Self.services(in: text[oldSlice], column: partial.layout.column, log: ProblemLog(file: path)),
            let after = Self.services(in: newSlice[...], column: partial.layout.column, log: log),
            // A list left empty is `services:` with nothing, which a full load refuses.
            after.services.count > items.count - partial.layout.count,
            !after.services.contains(where: { Self.namesFiles($0.spec) })
        else {
            self.partial = partial
            return nil
        }
        // From here on the claims change: a refused part leaves them unusable, and the next
        // load reads the whole file (as this one then does).
        DocumentRules.checkReplacement(before.services, with: after.services, claims: &partial.claims, context: partial.context)
        guard log.problems.isEmpty else { return nil }

        let oldSpecs = Array(state.services[items])  // a copy of the few, not of the list
        let newSpecs = after.services.map(\.spec)
        state.services.replaceSubrange(items, with: newSpecs)
        partial.layout = partial.layout.replacing(
            items, withItemsAt: after.starts.map { $0 + oldSlice.lowerBound }, shift: difference.shift)
        text.replaceSubrange(difference.replaced, with: difference.replacement)
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
