/// YAML forbids a key twice in one mapping, and most tools would silently keep the second: the
/// composer refuses the mapping. Keys compare by tag and text, so `name` and `"name"` are the
/// same key; keys that are collections are refused later, by the decoders.
enum DuplicateKeys {
    /// Mappings up to this many keys are checked pair by pair, without hashing: nearly all of a
    /// config's mappings (services, ports, endpoints) have a handful.
    static let pairwiseLimit = 16

    /// `entries`: a mapping's items, key, value, key, value...
    static func check(_ entries: ArraySlice<YAMLTree.Index>, nodes: [YAMLTree.Node], bytes: [UInt8]) throws(ComposeError) {
        let count = entries.count / 2
        guard count > 1 else { return }
        func key(_ position: Int) -> YAMLTree.Index { entries[entries.startIndex + 2 * position] }
        // The first occurrence of each key written again.
        var repeated: [YAMLTree.Index] = []
        if count <= pairwiseLimit {
            for position in 0..<count where nodes[Int(key(position))].shape == .scalar {
                let candidate = key(position)
                guard (position + 1..<count).contains(where: { same(key($0), candidate, nodes, bytes) }),
                    !(0..<position).contains(where: { same(key($0), candidate, nodes, bytes) })
                else { continue }
                repeated.append(candidate)
            }
        } else {
            var seen: [Identity: (first: YAMLTree.Index, repeated: Bool)] = [:]
            for position in 0..<count where nodes[Int(key(position))].shape == .scalar {
                let candidate = key(position)
                let identity = Identity(tag: nodes[Int(candidate)].tag.ofKey, text: text(candidate, nodes, bytes))
                if let earlier = seen[identity] {
                    if !earlier.repeated { repeated.append(earlier.first) }
                    seen[identity] = (earlier.first, true)
                } else {
                    seen[identity] = (candidate, false)
                }
            }
        }
        guard !repeated.isEmpty else { return }
        let sorted = repeated.map { (key: $0, text: text($0, nodes, bytes)) }.sorted { $0.text < $1.text }
        let first = nodes[Int(sorted[0].key)]
        throw .duplicateKeys(sorted.map(\.text), line: Int(first.line), column: Int(first.column))
    }

    private struct Identity: Hashable {
        var tag: ScalarTag
        var text: String
    }

    private static func same(_ a: YAMLTree.Index, _ b: YAMLTree.Index, _ nodes: [YAMLTree.Node], _ bytes: [UInt8]) -> Bool {
        let left = nodes[Int(a)]
        let right = nodes[Int(b)]
        guard left.shape == .scalar, right.shape == .scalar, left.count == right.count, left.tag.ofKey == right.tag.ofKey else {
            return false
        }
        return bytes[Int(left.start)..<Int(left.start + left.count)].elementsEqual(bytes[Int(right.start)..<Int(right.start + right.count)])
    }

    private static func text(_ key: YAMLTree.Index, _ nodes: [YAMLTree.Node], _ bytes: [UInt8]) -> String {
        let node = nodes[Int(key)]
        return String(decoding: bytes[Int(node.start)..<Int(node.start + node.count)], as: UTF8.self)
    }
}
