/// A YAML document composed for this loader only: every node in one flat array, the text of
/// every scalar in one byte buffer, the items of every collection in one index array.
///
/// Why not a general node tree (Yams' `Node`): that tree gives each scalar its own `String`, tag
/// object and anchor, and each collection its own array, so a 10,000-service file became
/// millions of small heap objects, built and then released, before a single field was decoded.
/// Here a node is 20 bytes in one array and its position is stored with it; what a scalar
/// means (``ScalarKind``) is decided once, as it is composed.
///
/// Public, not `package` like the rest of the module: the decoders in `Config` read it millions of
/// times per file, and Swift 6.3 did not inline `@inlinable package` members across modules (113
/// calls of the subscript stayed calls; `validate` of 10,000 services took about 1 % longer).
public final class YAMLTree {
    /// An index into ``nodes``. 32 bits: the file is at most 32 MiB, so there are fewer nodes.
    public typealias Index = Int32

    public struct Node {
        public enum Shape: UInt8 {
            case scalar, sequence, mapping
        }

        public var shape: Shape
        /// For scalars: what the text means, resolved from its tag and style.
        public var kind: ScalarKind
        /// A plain (unquoted, untagged) scalar: only a plain `<<` is a merge key.
        public var isPlain: Bool
        /// A scalar's tag as written (collections: `.implicit`, their tags mean nothing here).
        public var tag: ScalarTag
        /// 1-based, as libyaml's marks plus one; the column counts Unicode scalars.
        public var line: Int32
        public var column: Int32
        /// Scalars: where the text is in ``bytes``. Collections: where their items are in
        /// ``items``; a mapping's are key, value, key, value...
        public var start: Int32
        public var count: Int32
    }

    public let nodes: [Node]
    public let items: [Index]
    public let bytes: [UInt8]
    public let root: Index
    /// Whether any node is an alias: its text then means something in other places too.
    public let usesAliases: Bool
    /// Whether the document starts with `%YAML` or `%TAG`, which change what the text means.
    public let hasDirectives: Bool
    /// Whether the document's start (`---`) or end (`...`) is written.
    public let hasMarkers: Bool

    package init(
        nodes: [Node], items: [Index], bytes: [UInt8], root: Index, usesAliases: Bool = false, hasDirectives: Bool = false,
        hasMarkers: Bool = false
    ) {
        self.nodes = nodes
        self.items = items
        self.bytes = bytes
        self.root = root
        self.usesAliases = usesAliases
        self.hasDirectives = hasDirectives
        self.hasMarkers = hasMarkers
    }

    /// The value of `key` in the root mapping, if the root is one.
    @inlinable public func rootValue(of key: StaticString) -> Index? {
        guard self[root].shape == .mapping else { return nil }
        let pairs = items(of: root)
        var position = pairs.startIndex
        while position + 1 < pairs.endIndex {
            if text(pairs[position], is: key) { return pairs[position + 1] }
            position += 2
        }
        return nil
    }

    @inlinable public subscript(index: Index) -> Node { nodes[Int(index)] }

    /// A scalar's text; empty for collections.
    @inlinable public func text(_ index: Index) -> String {
        let node = self[index]
        guard node.shape == .scalar else { return "" }
        return bytes.withUnsafeBufferPointer { buffer in
            String(decoding: UnsafeBufferPointer(rebasing: buffer[Int(node.start)..<Int(node.start + node.count)]), as: UTF8.self)
        }
    }

    /// `body` of a scalar's text in place (empty for collections), without making a `String`.
    @inlinable public func withText<Result>(_ index: Index, _ body: (UnsafeBufferPointer<UInt8>) -> Result) -> Result {
        let node = self[index]
        // A collection's start and count are in `items`, not in `bytes`.
        guard node.shape == .scalar else { return body(UnsafeBufferPointer(start: nil, count: 0)) }
        return bytes.withUnsafeBufferPointer { buffer in
            body(UnsafeBufferPointer(rebasing: buffer[Int(node.start)..<Int(node.start + node.count)]))
        }
    }

    /// Whether a scalar's text is exactly `word` (ASCII), without making a `String`.
    @inlinable public func text(_ index: Index, is word: StaticString) -> Bool {
        let node = self[index]
        guard node.shape == .scalar, node.count == word.utf8CodeUnitCount else { return false }
        return bytes.withUnsafeBufferPointer { buffer in
            var offset = Int(node.start)
            for byte in UnsafeBufferPointer(start: word.utf8Start, count: word.utf8CodeUnitCount) {
                guard buffer[offset] == byte else { return false }
                offset += 1
            }
            return true
        }
    }

    /// A collection's items (a mapping's keys and values, alternating); empty for scalars.
    @inlinable public func items(of index: Index) -> ArraySlice<Index> {
        let node = self[index]
        guard node.shape != .scalar else { return [] }
        return items[Int(node.start)..<Int(node.start + node.count)]
    }
}
