/// Where a value sits in the document's structure, written the way the documentation names
/// fields: `services[2].ports[0].port`, `nodes["node-a"].addresses[1]`.
struct FieldPath: Hashable, Sendable, CustomStringConvertible {
    private(set) var description: String

    /// The document itself.
    static let root = FieldPath(description: "")

    /// A key of this format's own vocabulary.
    func appending(key: String) -> FieldPath {
        FieldPath(description: description.isEmpty ? key : "\(description).\(key)")
    }

    /// A key the operator chose (a node's name): quoted, since it may hold dots or dashes.
    func appending(entry: String) -> FieldPath {
        FieldPath(description: "\(description)[\"\(entry)\"]")
    }

    func appending(index: Int) -> FieldPath {
        FieldPath(description: "\(description)[\(index)]")
    }

    /// The last key, which names the field in messages ("port 70000 is out of range").
    var lastKey: String {
        var key = description[...]
        while key.last == "]", let open = key.lastIndex(of: "[") { key = key[..<open] }
        if let dot = key.lastIndex(of: ".") { key = key[key.index(after: dot)...] }
        return String(key)
    }
}
