import IPVSCore
import YAML

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
/// compared item by item the same way (or taken in whole, when its services are not in a
/// block list or the edit lies outside them). Any problem, or any other edit (several parts at
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
        /// The config file's text; its services come first in the state.
        var text: RememberedText
        var claims: ServiceClaims
        var context: DocumentRules.Context
        var serviceFiles: ConfigLoader.ServiceFileSet?
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
        (state, partial, serviceFilePatterns) = try Self.loadWhole(SourceFile.strippingByteOrderMark(text), path: path, origin: origin)
    }

    /// What the next load compares the config file's text with; nil when it will read the
    /// whole text.
    var remembered: ServiceListText? {
        guard case .list(let text)? = partial?.text else { return nil }
        return text
    }

    /// The config's service-file patterns, which a watcher expands to see files come and go;
    /// nil when it names none.
    public private(set) var serviceFilePatterns: ServiceFilePatterns?

    /// Reads the file again. A refused file leaves the session as it was.
    ///
    /// - Parameter serviceFiles: the service files as a watcher listed them just before
    ///   (``ServiceFilePatterns/listing()``), which spares listing them again; by default, or
    ///   when the watcher listed other patterns, they are listed now.
    public mutating func reload(serviceFiles listing: ServiceFilePatterns.Listing? = nil) throws(ConfigError) -> Change {
        try load(contentsOf: path, serviceFiles: listing)
    }

    /// Takes the content of `file` as the new content of this session's file (which
    /// ``reload(serviceFiles:)`` reads), compared with the last good text as it is read, and the
    /// service files as they are now (or as `listing` found them). A refused config leaves the
    /// session as it was.
    public mutating func load(
        contentsOf file: String, serviceFiles listing: ServiceFilePatterns.Listing? = nil
    ) throws(ConfigError) -> Change {
        let whole = { () throws(ConfigError) in SourceFile.strippingByteOrderMark(try SourceFile.bytes(of: file)) }
        guard let partial else { return try loadWhole(whole()) }
        return try load(partial.text.difference(fromFile: file), listing: listing, whole: whole)
    }

    /// Takes `text` as the file's new content, and the service files as they are now. A
    /// refused config leaves the session as it was.
    public mutating func load(_ text: [UInt8]) throws(ConfigError) -> Change {
        let text = SourceFile.strippingByteOrderMark(text)
        guard let partial else { return try loadWhole(text) }
        return try load(partial.text.difference(from: text), listing: nil) { () throws(ConfigError) in text }
    }

    /// Takes in a new config whose file's text differs from the last good one as `difference`
    /// says; `whole` gives the whole new text (a whole load reads the file again, and takes
    /// whatever version it then finds). Only one part may have changed to be taken in alone:
    /// items of the config file, or one service file.
    private mutating func load(
        _ difference: RememberedText.Difference, listing: ServiceFilePatterns.Listing?, whole: () throws(ConfigError) -> [UInt8]
    ) throws(ConfigError) -> Change {
        var changedFile: ChangedServiceFile?
        if let files = partial?.serviceFiles {
            guard let (current, changed) = ChangedServiceFile.find(since: files, listing: listing) else { return try loadWhole(whole()) }
            partial?.serviceFiles = current
            changedFile = changed
        }
        switch (difference.comparison, changedFile) {
        case (.same, nil):
            return Change(editedServices: [], readPartially: true)
        case (.same, let file?):
            if let change = loadServiceFile(file) { return change }
        case (.items(let items, let replacement), nil):
            if let excerpt = difference.excerpt, case .list(let text)? = partial?.text,
                let (change, remembered) = loadItems(items, replacedBy: replacement, from: excerpt, of: text, in: path, at: 0)
            {
                partial?.text = .list(remembered)
                return change
            }
        default:
            break
        }
        if let text = difference.text { return try loadWhole(text) }
        return try loadWhole(whole())
    }

    /// Loads the whole text (without a byte-order mark) and the service files.
    private mutating func loadWhole(_ text: [UInt8]) throws(ConfigError) -> Change {
        (state, partial, serviceFilePatterns) = try Self.loadWhole(text, path: path, origin: origin)
        return Change(editedServices: nil, readPartially: false)
    }

    /// Loads the whole text and the service files; with what a later load of part of them needs
    /// when the config allows one: no file it names beside the service files (a CA bundle may
    /// change while the config does not, and only a whole load reads it again).
    private static func loadWhole(
        _ text: [UInt8], path: String, origin: ConfigLoader.ServiceOrigin
    ) throws(ConfigError) -> (DesiredState, Partial?, ServiceFilePatterns?) {
        let loaded = try ConfigLoader.decode(YAMLDocument.compose(text, file: path), file: path, servicesFrom: origin)
        let patterns = loaded.serviceFiles?.patterns
        guard origin == .file, let tree = loaded.tree, let claims = loaded.claims, let context = loaded.context,
            !loaded.state.services.contains(where: Self.namesFiles)
        else { return (loaded.state, nil, patterns) }
        let ownCount = loaded.state.services.count - (loaded.serviceFiles?.files.reduce(0) { $0 + $1.serviceCount } ?? 0)
        let remembered = RememberedText(text, tree: tree, list: tree.rootValue(of: "services"), serviceCount: ownCount)
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

    /// Loads the services `items` of the list of `file`, remembered as `text`, whose first
    /// service is at `offset` in the state: the bytes `replacement` of the new text (held by
    /// `excerpt`) replace them. Returns the change and what to remember of the new text, when
    /// they pass every rule; nil otherwise (the whole config is then loaded).
    mutating func loadItems(
        _ items: Range<Int>, replacedBy replacement: Range<Int>, from excerpt: ServiceListText.Excerpt,
        of text: ServiceListText, in file: String, at offset: Int
    ) -> (Change, ServiceListText)? {
        var items = items
        var replacement = replacement
        var log = ProblemLog(file: file)
        var parsed = Self.services(in: excerpt[replacement], column: text.layout.column, log: log)
        if parsed == nil, items.lowerBound > 0 {
            // Lines added at the end of an item (an endpoint) read as an insertion after it, which
            // does not begin an item: the item before takes them, as in the file.
            items = (items.lowerBound - 1)..<items.upperBound
            replacement = excerpt.start..<replacement.upperBound
            log = ProblemLog(file: file)
            parsed = Self.services(in: excerpt[replacement], column: text.layout.column, log: log)
        }
        // A list left empty is `services:` with nothing, which a full load refuses.
        guard let after = parsed, after.services.count > items.count - text.layout.count,
            let change = replace((offset + items.lowerBound)..<(offset + items.upperBound), with: after.services, in: file, log: log)
        else { return nil }
        let starts = after.starts.map { $0 + replacement.lowerBound }
        return (change, text.replacing(items, withItemsAt: starts, from: excerpt))
    }

    /// Puts `services`, decoded from `file` with their problems in `log`, in place of the
    /// services at `range`, when they pass the rules that span the config; nil otherwise (the
    /// whole config is then loaded).
    mutating func replace(_ range: Range<Int>, with services: [DecodedService], in file: String, log: ProblemLog) -> Change? {
        guard log.problems.isEmpty, !services.contains(where: { Self.namesFiles($0.spec) }), var partial = partial.take() else {
            return nil
        }
        let oldSpecs = Array(state.services[range])  // a copy of the few, not of the list
        // From here on the claims change: a refused part leaves them unusable, and the next
        // load reads the whole config (as this one then does).
        DocumentRules.checkReplacement(oldSpecs, with: services, in: file, claims: &partial.claims, context: partial.context)
        guard log.problems.isEmpty else { return nil }
        self.partial = partial
        let newSpecs = services.map(\.spec)
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
            do { composed = try EventComposer.compose(utf8: buffer, nestingLimit: Limits.nestingDepth) } catch { return nil }
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
