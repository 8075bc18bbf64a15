import IPVSCore
import Yams

/// A node of the document together with the field path that leads to it and the log its
/// problems go to. The typed reads below never throw: they report what is wrong, at this node's
/// line and column, and return nil, so that the walk goes on and finds every other problem too.
struct ConfigNode {
    let node: Node
    let path: FieldPath
    let log: ProblemLog

    func report(_ code: ConfigProblem.Code, _ message: String) {
        log.report(code, at: node.mark, path: path, message)
    }

    func child(_ node: Node, key: String) -> ConfigNode {
        ConfigNode(node: node, path: path.appending(key: key), log: log)
    }

    /// `null`, `~` or nothing at all after the colon: treated as if the key were absent, as
    /// Kubernetes does, so that `loadBalancerIPs:` with no value is not an error.
    var isNull: Bool { scalarKind == .null }

    /// Nil for mappings and lists.
    var scalarKind: ScalarKind? { node.scalar.map(ScalarKind.init) }

    /// How the node reads to a person, for "expected ..., found ..." messages.
    var kindDescription: String {
        switch node {
        case .mapping: return "a mapping"
        case .sequence: return "a list"
        case .alias: return "an alias"
        case .scalar(let scalar):
            switch ScalarKind(scalar) {
            case .null: return "null"
            case .boolean: return "the boolean '\(scalar.string)'"
            case .integer, .float: return "the number \(scalar.string)"
            case .string: return "the string '\(scalar.string)'"
            }
        }
    }

    func reportWrongType(expected: String, hint: String = "") {
        report(.wrongType, "expected \(expected), found \(kindDescription)\(hint)")
    }

    // MARK: Collections

    /// The items of a list, each with its index in the path.
    func sequence() -> [ConfigNode]? {
        guard case .sequence(let items) = node else {
            reportWrongType(expected: "a list")
            return nil
        }
        return items.enumerated().map { index, item in
            ConfigNode(node: item, path: path.appending(index: index), log: log)
        }
    }

    /// The mapping's entries after YAML merge keys (`<<: *defaults`) are applied, with every key
    /// outside `allowedKeys` reported where it is written, except those starting with
    /// `ignoredPrefix` (places for anchors). Nil (reported) if this is not a mapping.
    func mapping(allowedKeys: [String], ignoredPrefix: String? = nil) -> ConfigMapping? {
        guard let entries = mergedEntries() else { return nil }
        var known: [ConfigMapping.Entry] = []
        for entry in entries {
            if allowedKeys.contains(entry.key) {
                known.append(entry)
            } else if let ignoredPrefix, entry.key.hasPrefix(ignoredPrefix) {
                continue
            } else {
                let suggestion = Self.suggestion(for: entry.key, among: allowedKeys).map { " (did you mean '\($0)'?)" } ?? ""
                log.report(
                    .unknownKey, at: entry.keyNode.mark, path: path.appending(key: entry.key),
                    "unknown key '\(entry.key)'\(suggestion); allowed here: \(allowedKeys.joined(separator: ", "))"
                        + (ignoredPrefix.map { " (and keys starting with \($0))" } ?? ""))
            }
        }
        return ConfigMapping(owner: self, entries: known)
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
    func openMapping() -> [ConfigMapping.Entry]? {
        mergedEntries()
    }

    /// Explicit keys first, then those of merged mappings that are not already there, the
    /// earlier merged mapping winning (YAML 1.1 merge key semantics).
    private func mergedEntries() -> [ConfigMapping.Entry]? {
        guard case .mapping(let mapping) = node else {
            reportWrongType(expected: "a mapping")
            return nil
        }
        var explicit: [ConfigMapping.Entry] = []
        var merged: [ConfigMapping.Entry] = []
        for (keyNode, valueNode) in mapping {
            let key = ConfigNode(node: keyNode, path: path, log: log)
            if case .scalar(let scalar) = keyNode, Self.isMergeKey(scalar) {
                merged += key.child(valueNode, key: "<<").entriesToMerge()
            } else if case .scalar(let scalar) = keyNode {
                explicit.append(ConfigMapping.Entry(key: scalar.string, keyNode: keyNode, value: child(valueNode, key: scalar.string)))
            } else {
                key.report(.wrongType, "keys must be plain words, found \(key.kindDescription)")
            }
        }
        if merged.isEmpty { return explicit }
        var seen = Set(explicit.map(\.key))
        return explicit
            + merged.filter { seen.insert($0.key).inserted }.map { entry in
                ConfigMapping.Entry(key: entry.key, keyNode: entry.keyNode, value: child(entry.value.node, key: entry.key))
            }
    }

    /// A plain `<<` or an explicit `!!merge` key. (Yams has already resolved key tags when it
    /// checked for duplicate keys, with the basic resolver: every key reads as a string, so the
    /// plain style is what tells `<<` from `"<<"`.)
    private static func isMergeKey(_ scalar: Node.Scalar) -> Bool {
        scalar.tag.rawValue == Tag.Name.merge.rawValue || (scalar.string == "<<" && scalar.style == .plain)
    }

    private func entriesToMerge() -> [ConfigMapping.Entry] {
        switch node {
        case .mapping:
            return mergedEntries() ?? []
        case .sequence(let sources):
            return sources.flatMap { ConfigNode(node: $0, path: path, log: log).mergedEntries() ?? [] }
        default:
            reportWrongType(expected: "a mapping or a list of mappings to merge")
            return []
        }
    }
}

extension ConfigNode {
    /// "line 12, column 5", for messages that point back at an earlier declaration.
    var position: String {
        "line \(node.mark?.line ?? 0), column \(node.mark?.column ?? 0)"
    }

    /// Reports a problem about `key` of this mapping when the key is absent, so the path names
    /// the field and the position the mapping.
    func report(_ code: ConfigProblem.Code, missing key: String, _ message: String) {
        log.report(code, at: node.mark, path: path.appending(key: key), message)
    }
}
