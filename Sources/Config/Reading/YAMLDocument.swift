import YAML

/// Turns text into a ``YAMLTree``, which keeps each node's position (unlike decoding straight
/// into values), so that every later problem can point at a line and column; or into the one
/// problem that stops reading: after a syntax error there is no tree to check further.
enum YAMLDocument {
    /// The tree of `text`, nil for text with no document.
    static func compose(_ text: String, file: String) throws(ConfigError) -> YAMLTree? {
        try reporting(file: file) { () throws(ComposeError) in try EventComposer.compose(text, nestingLimit: Limits.nestingDepth) }
    }

    /// The tree of UTF-8 text, nil for a file with no document (empty or only comments).
    static func compose(utf8 text: UnsafeBufferPointer<UInt8>, file: String) throws(ConfigError) -> YAMLTree? {
        try reporting(file: file) { () throws(ComposeError) in try EventComposer.compose(utf8: text, nestingLimit: Limits.nestingDepth) }
    }

    /// The tree of `text`: its bytes without a byte-order mark, checked to be UTF-8.
    static func compose(_ text: [UInt8], file: String) throws(ConfigError) -> YAMLTree? {
        let content = SourceFile.withoutByteOrderMark(text)
        try SourceFile.checkUTF8(content, file: file)
        return try content.withUnsafeBufferPointer { buffer throws(ConfigError) in try compose(utf8: buffer, file: file) }
    }

    private static func reporting(
        file: String, _ compose: () throws(ComposeError) -> YAMLTree?
    ) throws(ConfigError) -> YAMLTree? {
        do {
            return try compose()
        } catch {
            throw ConfigError(problems: [problem(for: error, file: file)])
        }
    }

    static func problem(for error: ComposeError, file: String) -> ConfigProblem {
        func make(_ code: ConfigProblem.Code, _ line: Int, _ column: Int, _ message: String) -> ConfigProblem {
            ConfigProblem(file: file, line: line, column: column, path: "", code: code, message: message)
        }
        switch error {
        case .syntax(let line, let column, let message):
            return make(.syntax, line, column, message)
        case .duplicateKeys(let keys, let line, let column):
            // At the first occurrence of the first repeated key; the composer stops there.
            let quoted = keys.map { "'\($0)'" }.joined(separator: ", ")
            let message =
                keys.count == 1
                ? "key \(quoted) appears more than once in this mapping (this is the first)"
                : "keys \(quoted) appear more than once in this mapping (this is the first '\(keys[0])')"
            return make(.duplicateKey, line, column, message)
        case .tooDeep(let line, let column):
            return make(
                .outOfRange, line, column,
                "collections nest deeper than \(Limits.nestingDepth) levels here; a config needs at most six")
        case .outOfMemory:
            return make(.syntax, 1, 1, "out of memory while reading the YAML text")
        }
    }
}
