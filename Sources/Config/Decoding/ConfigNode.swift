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
    var isNull: Bool {
        if case .scalar = node { return tagName == Tag.Name.null.rawValue }
        return false
    }

    private var tagName: String { node.tag.rawValue }

    private var scalarText: String? { node.scalar?.string }

    /// How the node reads to a person, for "expected ..., found ..." messages.
    var kindDescription: String {
        switch node {
        case .mapping: return "a mapping"
        case .sequence: return "a list"
        case .alias: return "an alias"
        case .scalar(let scalar):
            switch tagName {
            case Tag.Name.null.rawValue: return "null"
            case Tag.Name.bool.rawValue: return "the boolean '\(scalar.string)'"
            case Tag.Name.int.rawValue, Tag.Name.float.rawValue: return "the number \(scalar.string)"
            default: return "the string '\(scalar.string)'"
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
        var known: [String: ConfigMapping.Entry] = [:]
        for entry in entries {
            if allowedKeys.contains(entry.key) {
                known[entry.key] = entry
            } else if let ignoredPrefix, entry.key.hasPrefix(ignoredPrefix) {
                continue
            } else {
                let suggestion = Self.suggestion(for: entry.key, among: allowedKeys).map { " (did you mean '\($0)'?)" } ?? ""
                log.report(.unknownKey, at: entry.keyNode.mark, path: path.appending(key: entry.key),
                           "unknown key '\(entry.key)'\(suggestion); allowed here: \(allowedKeys.joined(separator: ", "))"
                               + (ignoredPrefix.map { " (and keys starting with \($0))" } ?? ""))
            }
        }
        return ConfigMapping(owner: self, entries: known)
    }

    /// The allowed key an unknown one most likely meant: the same letters in another case, or
    /// the singular of a list (Kubernetes' own `clusterIP` for our `clusterIPs`).
    private static func suggestion(for key: String, among allowedKeys: [String]) -> String? {
        let lowered = key.lowercased()
        return allowedKeys.first { allowed in
            let candidate = allowed.lowercased()
            return candidate == lowered || candidate == lowered + "s" || candidate + "s" == lowered
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
            if case .scalar = keyNode, key.tagName == Tag.Name.merge.rawValue {
                merged += key.child(valueNode, key: "<<").entriesToMerge()
            } else if case .scalar(let scalar) = keyNode {
                explicit.append(ConfigMapping.Entry(key: scalar.string, keyNode: keyNode, value: child(valueNode, key: scalar.string)))
            } else {
                key.report(.wrongType, "keys must be plain words, found \(key.kindDescription)")
            }
        }
        var seen = Set(explicit.map(\.key))
        return explicit + merged.filter { seen.insert($0.key).inserted }.map { entry in
            ConfigMapping.Entry(key: entry.key, keyNode: entry.keyNode, value: child(entry.value.node, key: entry.key))
        }
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

    // MARK: Scalars

    /// Any scalar but a boolean or null, as written: `name: 1234` is the text "1234". A boolean
    /// is refused because YAML 1.1 reads `yes`, `no`, `on` and `off` as booleans, which would
    /// silently turn a zone or node called `no` into `false`.
    func string() -> String? {
        guard case .scalar(let scalar) = node, tagName != Tag.Name.null.rawValue else {
            reportWrongType(expected: "a string")
            return nil
        }
        guard tagName != Tag.Name.bool.rawValue else {
            reportWrongType(expected: "a string", hint: " (quote it if you mean the text)")
            return nil
        }
        return scalar.string
    }

    /// A string that names something: not empty.
    func name() -> String? {
        guard let text = string() else { return nil }
        guard !text.isEmpty else {
            report(.invalidValue, "\(path.lastKey) must not be empty")
            return nil
        }
        return text
    }

    func bool() -> Bool? {
        guard tagName == Tag.Name.bool.rawValue, let value = node.bool else {
            reportWrongType(expected: "true or false")
            return nil
        }
        return value
    }

    /// A decimal integer within `range`. Quoted numbers are refused as in Kubernetes, and YAML
    /// 1.1's octal, hexadecimal and base-60 forms too, since `port: 0o17` or `1:30` is far more
    /// likely a typo than an intent.
    func integer<Value: FixedWidthInteger>(in range: ClosedRange<Value>, hint: String = "") -> Value? {
        guard tagName == Tag.Name.int.rawValue, let text = scalarText else {
            reportWrongType(expected: "an integer")
            return nil
        }
        let digits = text.first == "+" || text.first == "-" ? text.dropFirst() : text[...]
        guard !digits.isEmpty, digits.allSatisfy({ ("0"..."9").contains($0) }) else {
            report(.wrongType, "write \(text) as a decimal integer")
            return nil
        }
        guard let value = Int64(text), let exact = Value(exactly: value), range.contains(exact) else {
            report(.outOfRange, "\(path.lastKey) \(text) is out of range \(range.lowerBound)...\(range.upperBound)\(hint)")
            return nil
        }
        return exact
    }

    /// An IPv4 or IPv6 address in its usual text form; a prefix or a zone index is refused.
    func address() -> IPAddress? {
        guard let text = string() else { return nil }
        guard let address = IPAddress(text) else {
            let hint = text.contains("/") ? " (give a single address, not a prefix)" : ""
            report(.invalidAddress, "'\(text)' is not an IPv4 or IPv6 address\(hint)")
            return nil
        }
        return address
    }

    /// One word of a fixed vocabulary. A word that differs only in case is named in the message,
    /// unless `ignoringCase`, where it is accepted.
    func choice<Value>(_ words: [(word: String, value: Value)], code: ConfigProblem.Code = .invalidValue,
                       ignoringCase: Bool = false) -> Value? {
        guard let text = string() else { return nil }
        if let exact = words.first(where: { $0.word == text }) { return exact.value }
        let sameLetters = words.first { $0.word.lowercased() == text.lowercased() }
        if ignoringCase, let sameLetters { return sameLetters.value }
        let suggestion = sameLetters.map { " (did you mean '\($0.word)'?)" } ?? ""
        let allowed = words.map(\.word).joined(separator: ", ")
        report(code, "'\(text)' is not one of: \(allowed)\(suggestion)")
        return nil
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
