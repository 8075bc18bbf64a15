import YAML

/// A mapping whose unknown keys have already been reported: the known keys' values, looked up
/// by name, with absence and `null` alike meaning "not given".
struct ConfigMapping {
    struct Entry {
        var key: String
        /// The key's own node, where it is written: unknown keys are reported there.
        var keyIndex: YAMLTree.Index
        var value: ConfigNode
    }

    /// The mapping itself: a missing key is reported at its start.
    let owner: ConfigNode
    /// Known keys only, each once. An array: mappings here have a handful of keys, where a
    /// linear search beats hashing.
    let entries: [Entry]

    private func entry(_ key: String) -> Entry? {
        entries.first { $0.key.isSame(as: key) }
    }

    /// The value of an optional key; nil when absent or null.
    subscript(key: String) -> ConfigNode? {
        guard let value = entry(key)?.value, !value.isNull else { return nil }
        return value
    }

    /// The value of a required key; reports it missing (at the mapping) when absent or null.
    /// `reason`, when given, follows the message: why the key is required here.
    func required(_ key: String, reason: String = "") -> ConfigNode? {
        if let value = self[key] { return value }
        if let null = entry(key)?.value {
            null.report(.missingKey, "required key '\(key)' has no value\(reason)")
        } else {
            owner.report(.missingKey, missing: key, "required key '\(key)' is missing\(reason)")
        }
        return nil
    }
}

extension String {
    /// `==`, after the one comparison most keys of a mapping fail: their lengths. Every field
    /// of every mapping is looked up by name, a few million comparisons at 10,000 services.
    func isSame(as other: String) -> Bool {
        utf8.count == other.utf8.count && self == other
    }
}
