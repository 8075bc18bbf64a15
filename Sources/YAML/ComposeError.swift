/// Why the text could not be composed into a ``YAMLTree``. Composing stops at the first one:
/// after a syntax error there is no tree to check further.
package enum ComposeError: Error, Equatable {
    /// libyaml refused the text (its reader, scanner or parser), or the document uses an alias
    /// before its anchor, or the file holds more than one document. `message` is libyaml's
    /// words with the construct it was reading.
    case syntax(line: Int, column: Int, message: String)
    /// Keys written more than once in one mapping, sorted; the position is the first
    /// occurrence of the first of them.
    case duplicateKeys([String], line: Int, column: Int)
    /// Collections nested deeper than the composer's limit, at the first one too deep.
    case tooDeep(line: Int, column: Int)
    /// libyaml could not allocate memory.
    case outOfMemory
}

extension ComposeError: CustomStringConvertible {
    /// "line 3, column 5: found undefined alias": for readers that report the error as is.
    package var description: String {
        switch self {
        case .syntax(let line, let column, let message): "line \(line), column \(column): \(message)"
        case .duplicateKeys(let keys, let line, let column):
            "line \(line), column \(column): keys written twice in one mapping: \(keys.joined(separator: ", "))"
        case .tooDeep(let line, let column): "line \(line), column \(column): collections nest too deep"
        case .outOfMemory: "out of memory"
        }
    }
}
