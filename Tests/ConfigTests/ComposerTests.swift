import Testing

@testable import Config
@testable import YAML

/// The event-stream composer (Sources/YAML): the tree it builds from libyaml's
/// events, and every way it refuses a text, each at its line and column.
struct ComposerTests {
    /// The tree of `yaml`, or the error that refused it.
    private func compose(_ yaml: String) -> Result<YAMLTree?, ComposeError> {
        Result { () throws(ComposeError) in try EventComposer.compose(yaml, nestingLimit: Limits.nestingDepth) }
    }

    private func parse(_ yaml: String, sourceLocation: SourceLocation = #_sourceLocation) throws -> YAMLTree {
        let composed = try compose(yaml).get()
        return try #require(composed, sourceLocation: sourceLocation)
    }

    @Test("scalars keep their text, kind and position; collections their items in order")
    func shapeAndPositions() throws {
        let tree = try parse("a: [1, \"2\", x]\nb:\n  - {c: ~}\n")
        let root = tree[tree.root]
        #expect(root.shape == .mapping && root.line == 1 && root.column == 1)
        let entries = Array(tree.items(of: tree.root))
        #expect(entries.count == 4)
        #expect(tree.text(entries[0]) == "a" && tree.text(entries[2]) == "b")
        let list = Array(tree.items(of: entries[1]))
        #expect(list.map { tree.text($0) } == ["1", "2", "x"])
        #expect(list.map { tree[$0].kind } == [.integer, .string, .string])
        #expect(list.map { tree[$0].column } == [5, 8, 13])
        let inner = try #require(tree.items(of: entries[3]).first)
        #expect(tree[inner].shape == .mapping && tree[inner].line == 3 && tree[inner].column == 5)
        let null = Array(tree.items(of: inner))[1]
        #expect(tree[null].kind == .null && tree[null].line == 3 && tree[null].column == 9)
    }

    @Test("columns count Unicode scalars, as libyaml's do")
    func columnsInScalars() throws {
        let tree = try parse("é: [ü, x]")
        let list = Array(tree.items(of: tree.root))[1]
        #expect(Array(tree.items(of: list)).map { tree[$0].column } == [5, 8])
    }

    @Test("an alias is the anchored node itself, not a copy")
    func aliasesShareNodes() throws {
        let tree = try parse("a: &x {b: 1}\nc: *x\nd: &y 5\ne: *y")
        let values = Array(tree.items(of: tree.root)).enumerated().filter { $0.offset % 2 == 1 }.map(\.element)
        #expect(values[0] == values[1])
        #expect(values[2] == values[3])
        #expect(tree.nodes.count == 9)
    }

    @Test("an empty text, or comments only, holds no document", arguments: ["", "# only a comment\n", "\n\n"])
    func noDocument(yaml: String) throws {
        #expect(try compose(yaml).get() == nil)
    }

    @Test(
        "malformed YAML is refused at libyaml's position, with its words",
        arguments: [
            ("a: [1, 2\n", 2, 1, "did not find expected ',' or ']' (while parsing a flow sequence at line 1, column 4)"),
            ("a: 'open\n", 2, 1, "found unexpected end of stream (while scanning a quoted scalar at line 1, column 4)"),
            ("a:\n\t- b\n", 2, 1, "found character that cannot start any token"),
            ("a: *missing\n", 1, 4, "found undefined alias"),
            ("a: 1\n---\nb: 2\n", 2, 1, "expected a single document in the stream (line 1, column 1) but found another document"),
            ("a: b: c\n", 1, 5, "mapping values are not allowed in this context"),
        ])
    func malformed(yaml: String, line: Int, column: Int, words: String) {
        guard case .syntax(let atLine, let atColumn, let message)? = compose(yaml).failure else {
            Issue.record("expected a syntax error, got \(compose(yaml))")
            return
        }
        #expect((atLine, atColumn) == (line, column))
        #expect(message.contains(words), "\(message)")
    }

    @Test("a control character is refused at its own line and column")
    func controlCharacter() {
        guard case .syntax(let line, let column, let message)? = compose("a: 1\nb: x\u{7}y\n").failure else {
            Issue.record("expected a syntax error")
            return
        }
        #expect((line, column) == (2, 5))
        #expect(message.contains("control characters are not allowed"))
    }

    /// YAML 1.1's other line breaks count as libyaml counts them (a fuzzed file found the
    /// position computed past the end of its line).
    @Test(
        "a control character after a NEL, LINE or PARAGRAPH SEPARATOR is placed on the line the break begins",
        arguments: ["\u{85}", "\u{2028}", "\u{2029}", "\r", "\r\n"])
    func controlCharacterAfterUnicodeBreak(lineBreak: String) {
        guard case .syntax(let line, let column, _)? = compose("# é \(lineBreak)b: x\u{7}y\n").failure else {
            Issue.record("expected a syntax error")
            return
        }
        #expect((line, column) == (2, 5))
    }

    @Test("an alias of the collection being composed is undefined: trees have no cycles")
    func noCycles() {
        #expect(compose("a: &x [*x]").failure == .syntax(line: 1, column: 8, message: "found undefined alias"))
    }

    @Test("a key twice is refused at its first occurrence, quoted or not")
    func duplicateKey() {
        #expect(compose("a: 1\nb: 2\n\"a\": 3").failure == .duplicateKeys(["a"], line: 1, column: 1))
        #expect(compose("x: {b: 1, a: 2, b: 3, a: 4}").failure == .duplicateKeys(["a", "b"], line: 1, column: 11))
        // A tag makes another key: 1 the integer is not "1" the string.
        #expect(compose("!!int 1: a\n\"1\": b").success != nil)
    }

    @Test("duplicates are found in large mappings too, where keys are hashed")
    func duplicateKeyInLargeMapping() {
        let keys = (0..<40).map { "k\($0): \($0)" } + ["k7: again"]
        #expect(compose(keys.joined(separator: "\n")).failure == .duplicateKeys(["k7"], line: 8, column: 1))
    }

    @Test("the innermost mapping with a repeat is the one reported")
    func duplicateKeyInnermost() {
        #expect(compose("a:\n  b: 1\n  b: 2\na: 3").failure == .duplicateKeys(["b"], line: 2, column: 3))
    }

    @Test("nesting is bounded: the limit's levels compose, one more is refused where it opens")
    func nestingLimit() {
        let depth = Limits.nestingDepth
        let deepest = String(repeating: "[", count: depth) + String(repeating: "]", count: depth)
        #expect(compose(deepest).success != nil)
        let tooDeep = String(repeating: "[", count: depth + 1) + String(repeating: "]", count: depth + 1)
        #expect(compose(tooDeep).failure == .tooDeep(line: 1, column: depth + 1))
        // Block style counts the same way.
        let block = (0...depth).map { String(repeating: "  ", count: $0) + "k:" }.joined(separator: "\n") + " 1"
        #expect(compose(block).failure == .tooDeep(line: depth + 1, column: 2 * depth + 1))
    }

    @Test("the loader reports the composer's refusals as located problems")
    func loaderProblems() throws {
        let duplicate = try #require(ConfigTesting.problem("services:\n- {name: a, ports: [], name: b, ports: []}"))
        #expect(duplicate.place == Place(2, 4, "", .duplicateKey))
        #expect(duplicate.message == "keys 'name', 'ports' appear more than once in this mapping (this is the first 'name')")
        let deep = String(repeating: "[", count: 70) + String(repeating: "]", count: 70)
        let tooDeep = try #require(ConfigTesting.problem("services: " + deep))
        #expect(tooDeep.place == Place(1, 74, "", .outOfRange))
        #expect(tooDeep.message.contains("deeper than \(Limits.nestingDepth) levels"))
    }

    @Test("values of the wrong type are located at the value, through aliases and merge keys too")
    func wrongTypesLocated() {
        let problems = ConfigTesting.problems(
            """
            x-port: &port {port: eighty}
            services:
            - name: a
              clusterIPs: [198.51.100.1]
              ports: [*port]
              drainSeconds: [1]
            """)
        #expect(
            problems.map(\.place) == [
                Place(1, 22, "services[0].ports[0].port", .wrongType),
                Place(6, 17, "services[0].drainSeconds", .wrongType),
            ])
        #expect(problems.first?.message == "expected an integer, found the string 'eighty'")
    }
}

extension Result {
    fileprivate var failure: Failure? {
        if case .failure(let error) = self { return error }
        return nil
    }

    fileprivate var success: Success? {
        if case .success(let value) = self { return value }
        return nil
    }
}
