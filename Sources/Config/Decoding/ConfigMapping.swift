import YAML

/// The keys one kind of mapping allows, as a type: each decoder declares its vocabulary once,
/// in the order messages list it, and looks a field up by case, not by comparing text (every
/// field of every mapping is looked up, a few million times at 10,000 services).
protocol ConfigKey: RawRepresentable<String>, CaseIterable, Equatable {}

extension ConfigKey {
    /// The allowed keys as an unknown key's message lists them.
    static var vocabulary: [String] { allCases.map(\.rawValue) }
}

/// A mapping whose unknown keys have already been reported: the known keys' values, looked up
/// by key, with absence and `null` alike meaning "not given".
struct ConfigMapping<Key: ConfigKey> {
    /// A known key and where it and its value are in the tree; the value's node is made when
    /// it is looked up.
    struct Entry {
        var key: Key
        var keyIndex: YAMLTree.Index
        var valueIndex: YAMLTree.Index
    }

    /// The mapping itself: a missing key is reported at its start.
    let owner: ConfigNode
    /// The path of the mapping, which its values are reached through (merged values too).
    private let path: DecodingDocument.PathID
    /// Known keys only, each once. An array: mappings here have a handful of keys, where a
    /// linear search beats hashing. Its entries are plain numbers, not nodes: each node would
    /// retain the document as it is made and release it with the array. (Kept in place for up
    /// to eight, tried on 2026-12-05, a load of 10,000 services took 7 % longer: the mapping
    /// and the endpoints that keep theirs grew to 176 bytes and more, copied as often.)
    private var entries: [Entry] = []

    /// `capacity`: the number of keys written.
    init(owner: ConfigNode, path: DecodingDocument.PathID, capacity: Int) {
        self.owner = owner
        self.path = path
        entries.reserveCapacity(capacity)
    }

    mutating func append(_ entry: Entry) {
        entries.append(entry)
    }

    /// The value of `key`, null or not.
    private func value(_ key: Key) -> ConfigNode? {
        for entry in entries where entry.key == key { return node(entry) }
        return nil
    }

    private func node(_ entry: Entry) -> ConfigNode {
        owner.node(entry.valueIndex, parentPath: path, step: .key(entry.keyIndex))
    }

    /// The value of an optional key; nil when absent or null.
    subscript(key: Key) -> ConfigNode? {
        guard let value = value(key), !value.isNull else { return nil }
        return value
    }

    /// The value of a required key; reports it missing (at the mapping) when absent or null.
    /// `reason`, when given, follows the message: why the key is required here.
    func required(_ key: Key, reason: String = "") -> ConfigNode? {
        if let value = self[key] { return value }
        if let null = value(key) {
            null.report(.missingKey, "required key '\(key.rawValue)' has no value\(reason)")
        } else {
            owner.report(.missingKey, missing: key.rawValue, "required key '\(key.rawValue)' is missing\(reason)")
        }
        return nil
    }
}

/// An entry of a mapping as written, before its key is known to be allowed: the key's own node
/// (where an unknown key is reported) and the value, reached through the key.
struct WrittenEntry {
    var keyIndex: YAMLTree.Index
    var value: ConfigNode

    /// The key's text.
    var key: String { value.tree.text(keyIndex) }
}
