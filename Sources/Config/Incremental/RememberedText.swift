import YAML

/// What a session remembers of one file's text (the config file's, or a service file's), to
/// tell at the next load what an edit touched without keeping the text itself.
enum RememberedText: Sendable {
    /// Where each item of its `services` list lies, and their hashes: an edit of items reads
    /// those items alone.
    case list(ServiceListText)
    /// A hash of the whole text, which holds `serviceCount` services: any edit of it reads the
    /// whole file (services not in a block list, aliases, directives).
    case whole(TextFingerprint, serviceCount: Int)

    /// What to remember of `text`, which `tree` was composed from and which holds
    /// `serviceCount` services, those of `list` (nil: none written).
    init(_ text: [UInt8], tree: YAMLTree, list: YAMLTree.Index?, serviceCount: Int) {
        if !tree.usesAliases, !tree.hasDirectives, let list,
            let layout = text.withUnsafeBufferPointer({ ServiceListLayout(of: list, in: tree, text: $0) })
        {
            self = .list(text.withUnsafeBytes { ServiceListText($0, layout: layout) })
        } else {
            self = .whole(text.withUnsafeBytes { TextFingerprint(of: $0) }, serviceCount: serviceCount)
        }
    }

    var serviceCount: Int {
        switch self {
        case .list(let text): text.layout.count
        case .whole(_, let count): count
        }
    }

    /// How a new text differs from the remembered one, and what taking it in needs.
    struct Difference {
        var comparison: ServiceListText.Comparison
        /// For an edit of items, the part of the new text it needs.
        var excerpt: ServiceListText.Excerpt?
        /// The whole new text (without a byte-order mark), when it was read whole.
        var text: [UInt8]?
    }

    /// How the file at `path` differs from the remembered text: a list's items are compared as
    /// the file is read, a block at a time; a whole text is read and hashed.
    func difference(fromFile path: String) throws(ConfigError) -> Difference {
        switch self {
        case .list(let remembered):
            do {
                let (comparison, excerpt) = try BoundedFile.comparison(of: path, with: remembered, limit: ConfigLoader.maximumFileBytes)
                return Difference(comparison: comparison, excerpt: excerpt)
            } catch {
                throw SourceFile.problem(error, file: path)
            }
        case .whole:
            return difference(from: SourceFile.strippingByteOrderMark(try SourceFile.bytes(of: path)))
        }
    }

    /// How `text` (without a byte-order mark) differs from the remembered text.
    func difference(from text: [UInt8]) -> Difference {
        switch self {
        case .list(let remembered):
            let excerpt = ServiceListText.Excerpt(start: 0, bytes: text, textCount: text.count)
            return Difference(comparison: text.withUnsafeBytes(remembered.compare), excerpt: excerpt, text: text)
        case .whole(let fingerprint, _):
            let same = text.withUnsafeBytes { TextFingerprint(of: $0) } == fingerprint
            return Difference(comparison: same ? .same : .notWithinItems, text: text)
        }
    }
}
