import IPVSCore
import YAML

/// A node of the document together with the field path that leads to it and the log its
/// problems go to. The typed reads below never throw: they report what is wrong, at this node's
/// line and column, and return nil, so that the walk goes on and finds every other problem too.
///
/// Cheap to make and to copy: an index into the ``YAMLTree``, one reference to what the nodes
/// of the document share (``DecodingDocument``), and the path as its parent's path plus the
/// last step; the full ``FieldPath`` is built when a problem needs it.
struct ConfigNode {
    let document: DecodingDocument
    let index: YAMLTree.Index
    /// The path of the collection this node was reached through.
    private let parentPath: DecodingDocument.PathID
    private let step: Step

    /// The last step of a path. Keys are the tree's key nodes, made into text only for a
    /// message.
    enum Step {
        case none
        /// A key of this format's own vocabulary.
        case key(YAMLTree.Index)
        /// `<<`, the YAML merge key.
        case mergeKey
        /// A key the operator chose (a node's name).
        case entry(YAMLTree.Index)
        case index(Int32)
    }

    init(document: DecodingDocument, index: YAMLTree.Index, parentPath: DecodingDocument.PathID, step: Step) {
        self.document = document
        self.index = index
        self.parentPath = parentPath
        self.step = step
    }

    /// The document's root.
    init(root tree: YAMLTree, log: ProblemLog) {
        self.init(document: DecodingDocument(tree: tree, log: log), index: tree.root, parentPath: .root, step: .none)
    }

    var tree: YAMLTree { document.tree }
    var log: ProblemLog { document.log }

    /// The path as messages write it.
    var path: FieldPath { document.fieldPath(from: parentPath, by: step) }

    /// The path of this node, for the nodes reached through it.
    var pathID: DecodingDocument.PathID { document.path(from: parentPath, by: step) }

    /// Node `index` of the same document, reached from `parentPath` by `step`.
    func node(_ index: YAMLTree.Index, parentPath: DecodingDocument.PathID, step: Step) -> ConfigNode {
        ConfigNode(document: document, index: index, parentPath: parentPath, step: step)
    }

    /// This node, reached by another path (a node's entry, named by its key).
    func reached(from parentPath: DecodingDocument.PathID, step: Step) -> ConfigNode {
        node(index, parentPath: parentPath, step: step)
    }

    var line: Int { Int(tree[index].line) }
    var column: Int { Int(tree[index].column) }
    var isSequence: Bool { tree[index].shape == .sequence }
    var isMapping: Bool { tree[index].shape == .mapping }
    /// The text of a scalar; nil for lists and mappings.
    var scalarText: String? { tree[index].shape == .scalar ? tree.text(index) : nil }

    func report(_ code: ConfigProblem.Code, _ message: String) {
        log.report(code, line: line, column: column, path: path, message)
    }

    /// `null`, `~` or nothing at all after the colon: treated as if the key were absent, as
    /// Kubernetes does, so that `loadBalancerIPs:` with no value is not an error.
    var isNull: Bool { scalarKind == .null }

    /// Nil for mappings and lists.
    var scalarKind: ScalarKind? {
        let node = tree[index]
        return node.shape == .scalar ? node.kind : nil
    }

    /// How the node reads to a person, for "expected ..., found ..." messages.
    var kindDescription: String {
        switch tree[index].shape {
        case .mapping: return "a mapping"
        case .sequence: return "a list"
        case .scalar:
            let text = tree.text(index)
            switch tree[index].kind {
            case .null: return "null"
            case .boolean: return "the boolean '\(text)'"
            case .integer, .float: return "the number \(text)"
            case .string: return "the string '\(text)'"
            }
        }
    }

    func reportWrongType(expected: String, hint: String = "") {
        report(.wrongType, "expected \(expected), found \(kindDescription)\(hint)")
    }

    // MARK: Collections

    /// The items of a list, each with its index in the path.
    func sequence() -> [ConfigNode]? {
        guard isSequence else {
            reportWrongType(expected: "a list")
            return nil
        }
        let base = pathID
        return tree.items(of: index).enumerated().map { position, item in
            node(item, parentPath: base, step: .index(Int32(position)))
        }
    }

    /// The number of items of a list, 0 for anything else.
    var itemCount: Int { isSequence ? tree.items(of: index).count : 0 }

    /// The mapping's entries after YAML merge keys (`<<: *defaults`) are applied, each key one
    /// of `Key`'s, with every other key reported where it is written, except those starting with
    /// `ignoredPrefix` (places for anchors). Nil (reported) if this is not a mapping.
    func mapping<Key: ConfigKey>(_: Key.Type, ignoredPrefix: String? = nil) -> ConfigMapping<Key>? {
        guard isMapping else {
            reportWrongType(expected: "a mapping")
            return nil
        }
        let items = tree.items(of: index)
        // Nearly every mapping has plain keys and no merge key: its entries are read in place,
        // without the list of written entries a merge needs first.
        guard !hasMergeKeyOrComplexKey(items) else { return mapping(Key.self, merging: ignoredPrefix) }
        var fields = ConfigMapping<Key>(owner: self, path: pathID, capacity: items.count / 2)
        for position in stride(from: items.startIndex, to: items.endIndex, by: 2) {
            let keyIndex = items[position]
            if let key = known(Key.self, keyIndex, ignoredPrefix: ignoredPrefix) {
                fields.append(ConfigMapping.Entry(key: key, keyIndex: keyIndex, valueIndex: items[position + 1]))
            }
        }
        return fields
    }

    /// ``mapping(_:ignoredPrefix:)`` of a mapping with a merge key, or a key that is not a scalar.
    private func mapping<Key: ConfigKey>(_: Key.Type, merging ignoredPrefix: String?) -> ConfigMapping<Key>? {
        guard let written = mergedEntries() else { return nil }
        var fields = ConfigMapping<Key>(owner: self, path: pathID, capacity: written.count)
        for entry in written {
            if let key = known(Key.self, entry.keyIndex, ignoredPrefix: ignoredPrefix) {
                fields.append(ConfigMapping.Entry(key: key, keyIndex: entry.keyIndex, valueIndex: entry.value.index))
            }
        }
        return fields
    }

    /// The key written at `keyIndex`, or nil: an unknown key is reported unless it starts with
    /// `ignoredPrefix`.
    private func known<Key: ConfigKey>(_: Key.Type, _ keyIndex: YAMLTree.Index, ignoredPrefix: String?) -> Key? {
        let text = tree.text(keyIndex)
        if let key = Key(rawValue: text) { return key }
        if let ignoredPrefix, text.hasPrefix(ignoredPrefix) { return nil }
        reportUnknownKey(text, at: keyIndex, allowed: Key.vocabulary, ignoredPrefix: ignoredPrefix)
        return nil
    }

    private func hasMergeKeyOrComplexKey(_ items: ArraySlice<YAMLTree.Index>) -> Bool {
        for position in stride(from: items.startIndex, to: items.endIndex, by: 2) {
            let keyIndex = items[position]
            let keyNode = tree[keyIndex]
            if keyNode.shape != .scalar || Self.isMergeKey(keyNode, keyIndex, in: tree) { return true }
        }
        return false
    }

    private func reportUnknownKey(_ key: String, at keyIndex: YAMLTree.Index, allowed: [String], ignoredPrefix: String?) {
        let suggestion = Self.suggestion(for: key, among: allowed).map { " (did you mean '\($0)'?)" } ?? ""
        let keyNode = tree[keyIndex]
        log.report(
            .unknownKey, line: Int(keyNode.line), column: Int(keyNode.column), path: path.appending(key: key),
            "unknown key '\(key)'\(suggestion); allowed here: \(allowed.joined(separator: ", "))"
                + (ignoredPrefix.map { " (and keys starting with \($0))" } ?? ""))
    }

    /// The allowed key an unknown one most likely meant: the same letters in another case, the
    /// singular of a list (Kubernetes' own `clusterIP` for our `clusterIPs`), or a duration
    /// without its unit (`interval` for `intervalSeconds`).
    private static func suggestion(for key: String, among allowedKeys: [String]) -> String? {
        let lowered = key.lowercased()
        return allowedKeys.first { allowed in
            let candidate = allowed.lowercased()
            return candidate == lowered || candidate == lowered + "s" || candidate + "s" == lowered
                || candidate == lowered + "seconds"
        }
    }

    /// The entries of a mapping whose keys the operator chooses (node names), in file order.
    func openMapping() -> [WrittenEntry]? {
        mergedEntries()
    }

    /// Explicit keys first, then those of merged mappings that are not already there, the
    /// earlier merged mapping winning (YAML 1.1 merge key semantics).
    private func mergedEntries() -> [WrittenEntry]? {
        guard isMapping else {
            reportWrongType(expected: "a mapping")
            return nil
        }
        let base = pathID
        let items = tree.items(of: index)
        var explicit: [WrittenEntry] = []
        explicit.reserveCapacity(items.count / 2)
        var merged: [WrittenEntry] = []
        for position in stride(from: items.startIndex, to: items.endIndex, by: 2) {
            let keyIndex = items[position]
            let valueIndex = items[position + 1]
            let keyNode = tree[keyIndex]
            if keyNode.shape != .scalar {
                let key = node(keyIndex, parentPath: base, step: .none)
                key.report(.wrongType, "keys must be plain words, found \(key.kindDescription)")
            } else if Self.isMergeKey(keyNode, keyIndex, in: tree) {
                merged += node(valueIndex, parentPath: base, step: .mergeKey).entriesToMerge()
            } else {
                explicit.append(WrittenEntry(keyIndex: keyIndex, value: node(valueIndex, parentPath: base, step: .key(keyIndex))))
            }
        }
        if merged.isEmpty { return explicit }
        var seen = Set(explicit.map(\.key))
        return explicit
            + merged.filter { seen.insert($0.key).inserted }.map { entry in
                WrittenEntry(keyIndex: entry.keyIndex, value: entry.value.reached(from: base, step: .key(entry.keyIndex)))
            }
    }

    /// A plain `<<` or an explicit `!!merge` key: a quoted `"<<"` is a key like any other.
    private static func isMergeKey(_ key: YAMLTree.Node, _ index: YAMLTree.Index, in tree: YAMLTree) -> Bool {
        key.tag == .merge || (key.isPlain && tree.text(index, is: "<<"))
    }

    private func entriesToMerge() -> [WrittenEntry] {
        switch tree[index].shape {
        case .mapping:
            return mergedEntries() ?? []
        case .sequence:
            let base = pathID
            return tree.items(of: index).flatMap { node($0, parentPath: base, step: .none).mergedEntries() ?? [] }
        case .scalar:
            reportWrongType(expected: "a mapping or a list of mappings to merge")
            return []
        }
    }
}

extension ConfigNode {
    /// "line 12, column 5", for messages that point back at an earlier declaration.
    var position: String {
        "line \(line), column \(column)"
    }

    /// Reports a problem about `key` of this mapping when the key is absent, so the path names
    /// the field and the position the mapping.
    func report(_ code: ConfigProblem.Code, missing key: String, _ message: String) {
        log.report(code, line: line, column: column, path: path.appending(key: key), message)
    }
}
