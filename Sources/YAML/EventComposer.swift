import CYAML

/// Composes libyaml's event stream straight into a ``YAMLTree``: one pass, no recursion, no
/// object per node.
///
/// What it keeps of YAML, as the loader did with Yams' composer: anchors and aliases (an alias
/// is the anchored node itself, shared, never copied), tags on scalars (`!!str`, `!!int`,
/// `!!merge`...), block and flow style alike; keys written twice in one mapping are refused; one
/// document at most. It adds a bound on nesting (the caller's), so that a hostile file cannot
/// make the decoders below recurse without end.
package struct EventComposer {
    private var nodes: [YAMLTree.Node] = []
    private var items: [YAMLTree.Index] = []
    private var bytes: [UInt8] = []
    /// The finished items of every collection still open, innermost last: a collection's items
    /// move to ``items`` in one piece when it ends, so each collection's items are contiguous.
    private var pending: [YAMLTree.Index] = []
    private var open: [OpenCollection] = []
    private var anchors: [String: YAMLTree.Index] = [:]
    private var usesAliases = false
    private let nestingLimit: Int

    private struct OpenCollection {
        var node: YAMLTree.Index
        var firstPending: Int
        var anchor: String?
    }

    private init(nestingLimit: Int) { self.nestingLimit = nestingLimit }

    /// The tree of `text`'s one document; nil when the text holds no document (empty, or
    /// comments only). Collections may nest `nestingLimit` deep, the document's own included.
    package static func compose(_ text: String, nestingLimit: Int) throws(ComposeError) -> YAMLTree? {
        var text = text
        text.makeContiguousUTF8()
        let result = text.utf8.withContiguousStorageIfAvailable { buffer in
            Result { () throws(ComposeError) -> YAMLTree? in try compose(utf8: buffer, nestingLimit: nestingLimit) }
        }
        // A native String made contiguous always has contiguous storage.
        guard let result else { preconditionFailure("contiguous UTF-8 has contiguous storage") }
        return try result.get()
    }

    /// ``compose(_:)`` of text already known to be UTF-8.
    package static func compose(utf8 buffer: UnsafeBufferPointer<UInt8>, nestingLimit: Int) throws(ComposeError) -> YAMLTree? {
        var composer = EventComposer(nestingLimit: nestingLimit)
        composer.reserve(forBytes: buffer.count)
        return try composer.run(LibYAMLParser(buffer))
    }

    /// Sizes the arrays from the text's length once, instead of growing them by doubling (a
    /// 10,000-service file has a node per 7.8 bytes: an eighth of its length was too few, and
    /// the copies at each growth cost 2,860 page faults). Generous on purpose: capacity never
    /// written is address space, not memory; an underestimate only grows.
    private mutating func reserve(forBytes count: Int) {
        nodes.reserveCapacity(count / 4)
        items.reserveCapacity(count / 4)
        bytes.reserveCapacity(count)
    }

    private mutating func run(_ parser: LibYAMLParser) throws(ComposeError) -> YAMLTree? {
        _ = try parser.next()  // stream start
        let first = try parser.next()
        if first.pointee.type == YAML_STREAM_END_EVENT { return nil }
        // `first` is the document's start; then its nodes, up to the root's end.
        let start = first.pointee.data.document_start
        let hasDirectives = start.version_directive != nil || start.tag_directives.start != start.tag_directives.end
        let root = try composeRoot(parser)
        let end = try parser.next()
        let hasMarkers = start.implicit == 0 || end.pointee.data.document_end.implicit == 0
        let after = try parser.next()
        if after.pointee.type != YAML_STREAM_END_EVENT {
            throw .syntax(
                line: after.pointee.start_mark.line + 1, column: after.pointee.start_mark.column + 1,
                message: "expected a single document in the stream (line 1, column 1) but found another document")
        }
        return YAMLTree(
            nodes: nodes, items: items, bytes: bytes, root: root, usesAliases: usesAliases, hasDirectives: hasDirectives,
            hasMarkers: hasMarkers)
    }

    private mutating func composeRoot(_ parser: LibYAMLParser) throws(ComposeError) -> YAMLTree.Index {
        while true {
            let event = try parser.next()
            let finished: YAMLTree.Index
            switch event.pointee.type {
            case YAML_SCALAR_EVENT:
                finished = scalar(event.pointee)
            case YAML_ALIAS_EVENT:
                let name = Self.string(event.pointee.data.alias.anchor) ?? ""
                guard let target = anchors[name] else {
                    throw .syntax(
                        line: event.pointee.start_mark.line + 1, column: event.pointee.start_mark.column + 1,
                        message: "found undefined alias")
                }
                finished = target
                usesAliases = true
            case YAML_SEQUENCE_START_EVENT:
                try start(.sequence, event.pointee, anchor: event.pointee.data.sequence_start.anchor)
                continue
            case YAML_MAPPING_START_EVENT:
                try start(.mapping, event.pointee, anchor: event.pointee.data.mapping_start.anchor)
                continue
            case YAML_SEQUENCE_END_EVENT, YAML_MAPPING_END_EVENT:
                finished = try end()
            default:
                // libyaml's grammar allows no other event inside a document.
                continue
            }
            if open.isEmpty { return finished }
            pending.append(finished)
        }
    }

    private mutating func scalar(_ event: yaml_event_t) -> YAMLTree.Index {
        let data = event.data.scalar
        let start = bytes.count
        let text = UnsafeBufferPointer(start: UnsafePointer(data.value), count: data.length)
        bytes.append(contentsOf: text)
        // A quoted scalar without a tag is a string; a plain one without a tag is resolved by its
        // text (YAML 1.1's words and numbers); a tagged one is what its tag says.
        let tag: ScalarTag = data.quoted_implicit == 1 ? .str : data.tag.map { ScalarTag(Self.string($0) ?? "") } ?? .implicit
        let isPlain = data.style == YAML_PLAIN_SCALAR_STYLE
        let index = append(
            YAMLTree.Node(
                shape: .scalar, kind: ScalarKind(tag: tag, isPlain: isPlain, text: text), isPlain: isPlain, tag: tag,
                line: Int32(event.start_mark.line + 1), column: Int32(event.start_mark.column + 1),
                start: Int32(start), count: Int32(text.count)))
        if let anchor = Self.string(data.anchor) { anchors[anchor] = index }
        return index
    }

    private mutating func start(
        _ shape: YAMLTree.Node.Shape, _ event: yaml_event_t, anchor: UnsafeMutablePointer<UInt8>?
    ) throws(ComposeError) {
        let line = event.start_mark.line + 1
        let column = event.start_mark.column + 1
        guard open.count < nestingLimit else { throw .tooDeep(line: line, column: column) }
        let index = append(
            YAMLTree.Node(
                shape: shape, kind: .string, isPlain: false, tag: .implicit, line: Int32(line), column: Int32(column), start: 0, count: 0))
        open.append(OpenCollection(node: index, firstPending: pending.count, anchor: Self.string(anchor)))
    }

    /// Closes the innermost collection: its items move to ``items``, a mapping's keys are checked
    /// for repeats, and its anchor (if any) now names it. (An alias inside the collection to its
    /// own anchor is therefore undefined, as in Yams: YAML trees here have no cycles.)
    private mutating func end() throws(ComposeError) -> YAMLTree.Index {
        let collection = open.removeLast()
        let start = items.count
        items.append(contentsOf: pending[collection.firstPending...])
        pending.removeSubrange(collection.firstPending...)
        nodes[Int(collection.node)].start = Int32(start)
        nodes[Int(collection.node)].count = Int32(items.count - start)
        if nodes[Int(collection.node)].shape == .mapping {
            try DuplicateKeys.check(items[start...], nodes: nodes, bytes: bytes)
        }
        if let anchor = collection.anchor { anchors[anchor] = collection.node }
        return collection.node
    }

    private mutating func append(_ node: YAMLTree.Node) -> YAMLTree.Index {
        nodes.append(node)
        return YAMLTree.Index(nodes.count - 1)
    }

    /// libyaml's anchors and tags are NUL-terminated UTF-8.
    private static func string(_ pointer: UnsafeMutablePointer<UInt8>?) -> String? {
        pointer.map { String(cString: $0) }
    }
}
