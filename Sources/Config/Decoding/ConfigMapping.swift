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
    struct Entry {
        var key: Key
        var value: ConfigNode
    }

    /// The mapping itself: a missing key is reported at its start.
    let owner: ConfigNode
    /// Known keys only, each once. An array: mappings here have a handful of keys, where a
    /// linear search beats hashing.
    let entries: [Entry]

    /// The value of `key`, null or not. Compares keys in place: copying each entry to look at
    /// its key retained and released the document every time.
    private func value(_ key: Key) -> ConfigNode? {
        for position in entries.indices where entries[position].key == key {
            return entries[position].value
        }
        return nil
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
