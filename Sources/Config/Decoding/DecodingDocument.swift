import IPVSCore
import YAML

/// What every ``ConfigNode`` of one document shares: the tree, the log its problems go to, the
/// paths by which its collections were reached, and its endpoints' placements.
///
/// One reference per node: a node that held the tree, the log and a boxed path paid three
/// reference counts on every copy, a fifth of the load of a 10,000-service file. A path is
/// kept here as a link to its parent's, and becomes a ``FieldPath`` only when a message needs it.
final class DecodingDocument {
    let tree: YAMLTree
    let log: ProblemLog
    private var links: [Link] = [Link(parent: .root, step: .none)]
    /// One node-and-zone box for all the endpoints on a node.
    var placements = EndpointPlacements()

    /// A path made by ``path(from:by:)``.
    struct PathID {
        fileprivate let value: Int32
        /// The document itself.
        static let root = PathID(value: 0)
    }

    private struct Link {
        var parent: PathID
        var step: ConfigNode.Step
    }

    init(tree: YAMLTree, log: ProblemLog) {
        self.tree = tree
        self.log = log
    }

    /// The path `parent` and then `step`.
    func path(from parent: PathID, by step: ConfigNode.Step) -> PathID {
        if case .none = step { return parent }
        links.append(Link(parent: parent, step: step))
        return PathID(value: Int32(links.count - 1))
    }

    /// The path `parent` and then `step`, as messages write it.
    func fieldPath(from parent: PathID, by step: ConfigNode.Step) -> FieldPath {
        var steps = [step]
        var id = parent
        while id.value != PathID.root.value {
            let link = links[Int(id.value)]
            steps.append(link.step)
            id = link.parent
        }
        return steps.reversed().reduce(FieldPath.root) { path, step in
            switch step {
            case .none: path
            case .key(let key): path.appending(key: tree.text(key))
            case .mergeKey: path.appending(key: "<<")
            case .entry(let key): path.appending(entry: tree.text(key))
            case .index(let index): path.appending(index: Int(index))
            }
        }
    }
}
