/// `Decodable` values from a YAML document, by way of its ``YAMLTree``: for small files read
/// into `Codable` types (a kubeconfig), where the config loader's own located reads would be
/// more than the job needs.
///
/// Scalars mean what YAML 1.1 says (``ScalarKind``): `true` and `yes` are booleans, `0x1F` an
/// integer. Any scalar but a null reads as a string, as in Yams. An alias reads as the node it
/// names. Every error is a `DecodingError` whose description gives the line and column.
package struct YAMLTreeDecoder {
    /// Collections may nest this deep, the document's own included.
    package var nestingLimit: Int

    package init(nestingLimit: Int = 64) {
        self.nestingLimit = nestingLimit
    }

    package func decode<Value: Decodable>(_ type: Value.Type, from text: String) throws -> Value {
        let tree: YAMLTree?
        do { tree = try EventComposer.compose(text, nestingLimit: nestingLimit) } catch {
            throw DecodingError.dataCorrupted(.init(codingPath: [], debugDescription: error.description, underlyingError: error))
        }
        guard let tree else {
            throw DecodingError.valueNotFound(type, .init(codingPath: [], debugDescription: "the document is empty"))
        }
        return try Value(from: NodeDecoder(tree: tree, node: tree.root, codingPath: []))
    }
}

/// One node as a `Decoder`; its containers read its items.
private struct NodeDecoder: Decoder {
    let tree: YAMLTree
    let node: YAMLTree.Index
    let codingPath: [any CodingKey]
    var userInfo: [CodingUserInfoKey: Any] { [:] }

    func container<Key: CodingKey>(keyedBy type: Key.Type) throws -> KeyedDecodingContainer<Key> {
        try expect(.mapping, "a mapping")
        return KeyedDecodingContainer(MappingContainer(decoder: self))
    }

    func unkeyedContainer() throws -> any UnkeyedDecodingContainer {
        try expect(.sequence, "a sequence")
        return SequenceContainer(decoder: self, items: tree.items(of: node))
    }

    func singleValueContainer() throws -> any SingleValueDecodingContainer { ScalarContainer(decoder: self) }

    func child(_ node: YAMLTree.Index, key: any CodingKey) -> NodeDecoder {
        NodeDecoder(tree: tree, node: node, codingPath: codingPath + [key])
    }

    /// "found a mapping (line 3, column 5)": what is there instead, and where.
    var found: String {
        let node = tree[node]
        let what =
            switch node.shape {
            case .mapping: "a mapping"
            case .sequence: "a sequence"
            case .scalar: "'\(tree.text(self.node))'"
            }
        return "found \(what) (line \(node.line), column \(node.column))"
    }

    func mismatch(_ type: Any.Type, _ expected: String) -> DecodingError {
        .typeMismatch(type, .init(codingPath: codingPath, debugDescription: "expected \(expected), \(found)"))
    }

    private func expect(_ shape: YAMLTree.Node.Shape, _ expected: String) throws {
        guard tree[node].shape == shape else { throw mismatch([Any].self, expected) }
    }

    var isNull: Bool { tree[node].shape == .scalar && tree[node].kind == .null }

    func string() throws -> String {
        guard tree[node].shape == .scalar, !isNull else { throw mismatch(String.self, "a string") }
        return tree.text(node)
    }

    func bool() throws -> Bool {
        guard tree[node].shape == .scalar, case .boolean(let value) = tree[node].kind else { throw mismatch(Bool.self, "true or false") }
        return value
    }

    func integer<Integer: FixedWidthInteger>(_ type: Integer.Type) throws -> Integer {
        guard tree[node].shape == .scalar, tree[node].kind == .integer, let value = Integer(tree.text(node)) else {
            throw mismatch(type, "an integer within \(Integer.min)...\(Integer.max)")
        }
        return value
    }

    func floatingPoint<Number: LosslessStringConvertible>(_ type: Number.Type) throws -> Number {
        guard tree[node].shape == .scalar, tree[node].kind == .float || tree[node].kind == .integer,
            let value = Number(tree.text(node))
        else { throw mismatch(type, "a number") }
        return value
    }
}

/// A key the decoded type did not declare: a sequence's position, or a super decoder's.
private struct PositionKey: CodingKey {
    var stringValue: String
    var intValue: Int?
    init(_ position: Int) {
        stringValue = "\(position)"
        intValue = position
    }
    init?(stringValue: String) { nil }
    init?(intValue: Int) { self.init(intValue) }
}

private struct MappingContainer<Key: CodingKey>: KeyedDecodingContainerProtocol {
    let decoder: NodeDecoder
    var codingPath: [any CodingKey] { decoder.codingPath }
    /// The value of each key written, in order, read once. A mapping has a handful: found by a
    /// scan.
    private let pairs: [(key: String, value: YAMLTree.Index)]

    init(decoder: NodeDecoder) {
        self.decoder = decoder
        let items = decoder.tree.items(of: decoder.node)
        pairs = stride(from: items.startIndex, to: items.endIndex - 1, by: 2).map { (decoder.tree.text(items[$0]), items[$0 + 1]) }
    }

    var allKeys: [Key] { pairs.compactMap { Key(stringValue: $0.key) } }

    func contains(_ key: Key) -> Bool { pairs.contains { $0.key == key.stringValue } }

    private func child(_ key: Key) throws -> NodeDecoder {
        guard let pair = pairs.first(where: { $0.key == key.stringValue }) else {
            throw DecodingError.keyNotFound(key, .init(codingPath: codingPath, debugDescription: "missing, \(decoder.found)"))
        }
        return decoder.child(pair.value, key: key)
    }

    func decodeNil(forKey key: Key) throws -> Bool { try child(key).isNull }
    func decode(_ type: Bool.Type, forKey key: Key) throws -> Bool { try child(key).bool() }
    func decode(_ type: String.Type, forKey key: Key) throws -> String { try child(key).string() }
    func decode(_ type: Double.Type, forKey key: Key) throws -> Double { try child(key).floatingPoint(type) }
    func decode(_ type: Float.Type, forKey key: Key) throws -> Float { try child(key).floatingPoint(type) }
    func decode(_ type: Int.Type, forKey key: Key) throws -> Int { try child(key).integer(type) }
    func decode(_ type: Int8.Type, forKey key: Key) throws -> Int8 { try child(key).integer(type) }
    func decode(_ type: Int16.Type, forKey key: Key) throws -> Int16 { try child(key).integer(type) }
    func decode(_ type: Int32.Type, forKey key: Key) throws -> Int32 { try child(key).integer(type) }
    func decode(_ type: Int64.Type, forKey key: Key) throws -> Int64 { try child(key).integer(type) }
    func decode(_ type: UInt.Type, forKey key: Key) throws -> UInt { try child(key).integer(type) }
    func decode(_ type: UInt8.Type, forKey key: Key) throws -> UInt8 { try child(key).integer(type) }
    func decode(_ type: UInt16.Type, forKey key: Key) throws -> UInt16 { try child(key).integer(type) }
    func decode(_ type: UInt32.Type, forKey key: Key) throws -> UInt32 { try child(key).integer(type) }
    func decode(_ type: UInt64.Type, forKey key: Key) throws -> UInt64 { try child(key).integer(type) }
    func decode<Value: Decodable>(_ type: Value.Type, forKey key: Key) throws -> Value { try Value(from: child(key)) }

    func nestedContainer<NestedKey: CodingKey>(keyedBy type: NestedKey.Type, forKey key: Key) throws -> KeyedDecodingContainer<NestedKey> {
        try child(key).container(keyedBy: type)
    }
    func nestedUnkeyedContainer(forKey key: Key) throws -> any UnkeyedDecodingContainer { try child(key).unkeyedContainer() }
    func superDecoder() throws -> any Decoder { decoder }
    func superDecoder(forKey key: Key) throws -> any Decoder { try child(key) }
}

private struct SequenceContainer: UnkeyedDecodingContainer {
    let decoder: NodeDecoder
    let items: ArraySlice<YAMLTree.Index>
    var currentIndex = 0
    var codingPath: [any CodingKey] { decoder.codingPath }
    var count: Int? { items.count }
    var isAtEnd: Bool { currentIndex >= items.count }

    init(decoder: NodeDecoder, items: ArraySlice<YAMLTree.Index>) {
        self.decoder = decoder
        self.items = items
    }

    /// The next item's decoder; the position moves only once it decoded.
    private func peek() throws -> NodeDecoder {
        guard !isAtEnd else {
            throw DecodingError.valueNotFound(
                Any.self, .init(codingPath: codingPath, debugDescription: "the sequence has \(items.count) items"))
        }
        return decoder.child(items[items.startIndex + currentIndex], key: PositionKey(currentIndex))
    }

    private mutating func next<Value>(_ read: (NodeDecoder) throws -> Value) throws -> Value {
        let value = try read(peek())
        currentIndex += 1
        return value
    }

    mutating func decodeNil() throws -> Bool {
        guard try peek().isNull else { return false }
        currentIndex += 1
        return true
    }
    mutating func decode(_ type: Bool.Type) throws -> Bool { try next { try $0.bool() } }
    mutating func decode(_ type: String.Type) throws -> String { try next { try $0.string() } }
    mutating func decode(_ type: Double.Type) throws -> Double { try next { try $0.floatingPoint(type) } }
    mutating func decode(_ type: Float.Type) throws -> Float { try next { try $0.floatingPoint(type) } }
    mutating func decode(_ type: Int.Type) throws -> Int { try next { try $0.integer(type) } }
    mutating func decode(_ type: Int8.Type) throws -> Int8 { try next { try $0.integer(type) } }
    mutating func decode(_ type: Int16.Type) throws -> Int16 { try next { try $0.integer(type) } }
    mutating func decode(_ type: Int32.Type) throws -> Int32 { try next { try $0.integer(type) } }
    mutating func decode(_ type: Int64.Type) throws -> Int64 { try next { try $0.integer(type) } }
    mutating func decode(_ type: UInt.Type) throws -> UInt { try next { try $0.integer(type) } }
    mutating func decode(_ type: UInt8.Type) throws -> UInt8 { try next { try $0.integer(type) } }
    mutating func decode(_ type: UInt16.Type) throws -> UInt16 { try next { try $0.integer(type) } }
    mutating func decode(_ type: UInt32.Type) throws -> UInt32 { try next { try $0.integer(type) } }
    mutating func decode(_ type: UInt64.Type) throws -> UInt64 { try next { try $0.integer(type) } }
    mutating func decode<Value: Decodable>(_ type: Value.Type) throws -> Value { try next { try Value(from: $0) } }

    mutating func nestedContainer<NestedKey: CodingKey>(keyedBy type: NestedKey.Type) throws -> KeyedDecodingContainer<NestedKey> {
        try next { try $0.container(keyedBy: type) }
    }
    mutating func nestedUnkeyedContainer() throws -> any UnkeyedDecodingContainer { try next { try $0.unkeyedContainer() } }
    mutating func superDecoder() throws -> any Decoder { try next { $0 } }
}

private struct ScalarContainer: SingleValueDecodingContainer {
    let decoder: NodeDecoder
    var codingPath: [any CodingKey] { decoder.codingPath }

    func decodeNil() -> Bool { decoder.isNull }
    func decode(_ type: Bool.Type) throws -> Bool { try decoder.bool() }
    func decode(_ type: String.Type) throws -> String { try decoder.string() }
    func decode(_ type: Double.Type) throws -> Double { try decoder.floatingPoint(type) }
    func decode(_ type: Float.Type) throws -> Float { try decoder.floatingPoint(type) }
    func decode(_ type: Int.Type) throws -> Int { try decoder.integer(type) }
    func decode(_ type: Int8.Type) throws -> Int8 { try decoder.integer(type) }
    func decode(_ type: Int16.Type) throws -> Int16 { try decoder.integer(type) }
    func decode(_ type: Int32.Type) throws -> Int32 { try decoder.integer(type) }
    func decode(_ type: Int64.Type) throws -> Int64 { try decoder.integer(type) }
    func decode(_ type: UInt.Type) throws -> UInt { try decoder.integer(type) }
    func decode(_ type: UInt8.Type) throws -> UInt8 { try decoder.integer(type) }
    func decode(_ type: UInt16.Type) throws -> UInt16 { try decoder.integer(type) }
    func decode(_ type: UInt32.Type) throws -> UInt32 { try decoder.integer(type) }
    func decode(_ type: UInt64.Type) throws -> UInt64 { try decoder.integer(type) }
    func decode<Value: Decodable>(_ type: Value.Type) throws -> Value { try Value(from: decoder) }
}
