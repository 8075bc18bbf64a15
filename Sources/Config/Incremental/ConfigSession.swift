import IPVSCore

/// The config as last loaded, with what loading it again after an edit needs to read only
/// the services the edit touched: the agent's reload of a 10,000-service config after a
/// one-service edit then costs about what that service costs, not what the config does.
///
/// A load compares the config file's new text with the last good one item by item, by their
/// fingerprints (``ServiceListText``): the last text itself is not kept. When all that differs
/// lies within items of the `services` list, and the file has no aliases (whose meaning reaches
/// across items) and no directives, those items alone are composed and decoded again, on their
/// own, and checked against what the other services claim (``ServiceClaims``). A service file
/// (`serviceFiles`) whose stamp on disk is unchanged is not read at all; one that changed is
/// read and taken in whole, the same way. Any problem, or any other edit (several parts at
/// once, a service file added or removed), and the whole config is loaded as ``ConfigLoader``
/// loads it: a refused config is reported exactly as a full load reports it, every problem at
/// its file, line and column.
public struct ConfigSession: Sendable {
    public let path: String
    public let origin: ConfigLoader.ServiceOrigin
    /// The last good state.
    public private(set) var state: DesiredState
    /// What a load of part of the config needs; nil when the next load must read all of it.
    var partial: Partial?

    struct Partial: Sendable {
        var text: ConfigText
        var claims: ServiceClaims
        var context: DocumentRules.Context
        var serviceFiles: ConfigLoader.ServiceFileSet?
    }

    /// What a load remembers of the config file's own text.
    enum ConfigText: Sendable {
        /// Where each item of its `services` list lies, and their hashes: an edit of items
        /// reads those items alone.
        case list(ServiceListText)
        /// A hash of the whole text, which holds `serviceCount` services: any edit of it loads
        /// the whole config (a file whose services are in service files, or not in a block list).
        case whole(TextFingerprint, serviceCount: Int)

        var serviceCount: Int {
            switch self {
            case .list(let text): text.layout.count
            case .whole(_, let count): count
            }
        }
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
        (state, partial, serviceFilePatterns) = try Self.loadWhole(Self.withoutByteOrderMark(text), path: path, origin: origin)
    }

    /// What the next load compares its text with; nil when it will read the whole text.
    var remembered: ServiceListText? {
        guard case .list(let text)? = partial?.text else { return nil }
        return text
    }

    /// The config's service-file patterns, which a watcher expands to see files come and go;
    /// nil when it names none.
    public private(set) var serviceFilePatterns: ServiceFilePatterns?

    /// Reads the file again. A refused file leaves the session as it was.
    public mutating func reload() throws(ConfigError) -> Change {
        try load(contentsOf: path)
    }

    /// Takes the content of `file` as the new content of this session's file (which
    /// ``reload()`` reads), compared with the last good text as it is read, and the service
    /// files as they are now. A refused config leaves the session as it was.
    public mutating func load(contentsOf file: String) throws(ConfigError) -> Change {
        let whole = { () throws(ConfigError) in Self.withoutByteOrderMark(try SourceFile.bytes(of: file)) }
        guard let partial else { return try loadWhole(whole()) }
        switch partial.text {
        case .list(let remembered):
            let compared: (ServiceListText.Comparison, ServiceListText.Excerpt?)
            do {
                compared = try BoundedFile.comparison(of: file, with: remembered, limit: ConfigLoader.maximumFileBytes)
            } catch {
                throw SourceFile.problem(error, file: file)
            }
            // A whole load reads the file again, and takes whatever version it then finds.
            return try load(compared.0, excerpt: compared.1, whole: whole)
        case .whole(let fingerprint, _):
            let text = try whole()
            let same = text.withUnsafeBytes { TextFingerprint(of: $0) } == fingerprint
            return try load(same ? .same : .notWithinItems, excerpt: nil) { () throws(ConfigError) in text }
        }
    }

    /// Takes `text` as the file's new content, and the service files as they are now. A
    /// refused config leaves the session as it was.
    public mutating func load(_ text: [UInt8]) throws(ConfigError) -> Change {
        let text = Self.withoutByteOrderMark(text)
        let whole = { () throws(ConfigError) in text }
        switch partial?.text {
        case .list(let remembered)?:
            let excerpt = ServiceListText.Excerpt(start: 0, bytes: text, textCount: text.count)
            return try load(text.withUnsafeBytes(remembered.compare), excerpt: excerpt, whole: whole)
        case .whole(let fingerprint, _)?:
            let same = text.withUnsafeBytes { TextFingerprint(of: $0) } == fingerprint
            return try load(same ? .same : .notWithinItems, excerpt: nil, whole: whole)
        case nil:
            return try loadWhole(text)
        }
    }

    /// Takes in a new config whose file's text `comparison` with the last good one found:
    /// `excerpt` holds at least what an edit of items needs, `whole` gives the whole new text.
    /// Only one part may have changed to be taken in alone: the file's items, or one service file.
    private mutating func load(
        _ comparison: ServiceListText.Comparison, excerpt: ServiceListText.Excerpt?, whole: () throws(ConfigError) -> [UInt8]
    ) throws(ConfigError) -> Change {
        var changedFile: ServiceFileReader.Read?
        if let files = partial?.serviceFiles {
            guard let (current, changed) = ServiceFileReader.changes(since: files) else { return try loadWhole(whole()) }
            partial?.serviceFiles = current
            changedFile = changed
        }
        switch (comparison, changedFile) {
        case (.same, nil):
            return Change(editedServices: [], readPartially: true)
        case (.same, let file?):
            if let change = loadServiceFile(file) { return change }
        case (.items(let items, let replacement), nil):
            if let excerpt, let change = loadPart(items, replacedBy: replacement, from: excerpt) { return change }
        default:
            break
        }
        return try loadWhole(whole())
    }

    /// Loads the whole text (without a byte-order mark) and the service files.
    private mutating func loadWhole(_ text: [UInt8]) throws(ConfigError) -> Change {
        (state, partial, serviceFilePatterns) = try Self.loadWhole(text, path: path, origin: origin)
        return Change(editedServices: nil, readPartially: false)
    }

    private static func withoutByteOrderMark(_ bytes: [UInt8]) -> [UInt8] {
        let stripped = SourceFile.withoutByteOrderMark(bytes)
        return stripped.count == bytes.count ? bytes : Array(stripped)
    }

    /// Loads the whole text and the service files; with what a later load of part of them needs
    /// when the config allows one: no file it names beside the service files (a CA bundle may
    /// change while the config does not, and only a whole load reads it again). Its items are
    /// read alone when its services are in a block list and it has no aliases or directives.
    private static func loadWhole(
        _ text: [UInt8], path: String, origin: ConfigLoader.ServiceOrigin
    ) throws(ConfigError) -> (DesiredState, Partial?, ServiceFilePatterns?) {
        let loaded = try ConfigLoader.decode(YAMLDocument.compose(text, file: path), file: path, servicesFrom: origin)
        let patterns = loaded.serviceFiles?.patterns
        guard origin == .file, let tree = loaded.tree, let claims = loaded.claims, let context = loaded.context,
            !loaded.state.services.contains(where: Self.namesFiles)
        else { return (loaded.state, nil, patterns) }
        let ownCount = loaded.state.services.count - (loaded.serviceFiles?.files.reduce(0) { $0 + $1.serviceCount } ?? 0)
        var remembered = ConfigText.whole(text.withUnsafeBytes { TextFingerprint(of: $0) }, serviceCount: ownCount)
        if !tree.usesAliases, !tree.hasDirectives, let list = tree.rootValue(of: "services"),
            let layout = text.withUnsafeBufferPointer({ ServiceListLayout(of: list, in: tree, text: $0) })
        {
            remembered = .list(text.withUnsafeBytes { ServiceListText($0, layout: layout) })
        }
        return (loaded.state, Partial(text: remembered, claims: claims, context: context, serviceFiles: loaded.serviceFiles), patterns)
    }

    /// Whether a service's checks read a file (`caFile`) when the config is loaded.
    static func namesFiles(_ service: ServiceSpec) -> Bool {
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
        guard case .list(let text) = partial.text,
            let after = Self.services(in: excerpt[replacement], column: text.layout.column, log: log),
            // A list left empty is `services:` with nothing, which a full load refuses.
            after.services.count > items.count - text.layout.count,
            !after.services.contains(where: { Self.namesFiles($0.spec) })
        else {
            self.partial = partial
            return nil
        }
        let oldSpecs = Array(state.services[items])  // a copy of the few, not of the list
        // From here on the claims change: a refused part leaves them unusable, and the next
        // load reads the whole file (as this one then does).
        DocumentRules.checkReplacement(
            oldSpecs, with: after.services, in: path, claims: &partial.claims, context: partial.context)
        guard log.problems.isEmpty else { return nil }

        let starts = after.starts.map { $0 + replacement.lowerBound }
        partial.text = .list(text.replacing(items, withItemsAt: starts, from: excerpt))
        self.partial = partial
        return replace(items, holding: oldSpecs, with: after.services.map(\.spec))
    }

    /// Puts `newSpecs` in place of the services at `range`, which were `oldSpecs`.
    mutating func replace(_ range: Range<Int>, holding oldSpecs: [ServiceSpec], with newSpecs: [ServiceSpec]) -> Change {
        state.services.replaceSubrange(range, with: newSpecs)
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
