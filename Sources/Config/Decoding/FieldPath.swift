/// Where a value sits in the document's structure, written the way the documentation names
/// fields: `services[2].ports[0].port`, `nodes["node-a"].addresses[1]`.
///
/// A chain of components, rendered only when a problem needs it: every node of the document
/// gets a path, and building a string for each made large files slow to load.
indirect enum FieldPath: Hashable, Sendable, CustomStringConvertible {
    /// The document itself.
    case root
    /// A key of this format's own vocabulary.
    case key(FieldPath, String)
    /// A key the operator chose (a node's name): quoted, since it may hold dots or dashes.
    case entry(FieldPath, String)
    case index(FieldPath, Int)

    func appending(key: String) -> FieldPath { .key(self, key) }
    func appending(entry: String) -> FieldPath { .entry(self, entry) }
    func appending(index: Int) -> FieldPath { .index(self, index) }

    var description: String {
        switch self {
        case .root: ""
        case .key(.root, let key): key
        case .key(let parent, let key): "\(parent).\(key)"
        case .entry(let parent, let entry): "\(parent)[\"\(entry)\"]"
        case .index(let parent, let index): "\(parent)[\(index)]"
        }
    }

    /// The last key, which names the field in messages ("port 70000 is out of range").
    var lastKey: String {
        switch self {
        case .root: ""
        case .key(_, let key): key
        case .entry(let parent, _), .index(let parent, _): parent.lastKey
        }
    }
}
