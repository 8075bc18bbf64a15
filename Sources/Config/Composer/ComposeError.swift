/// Why the text could not be composed into a ``YAMLTree``. Composing stops at the first one:
/// after a syntax error there is no tree to check further.
enum ComposeError: Error, Equatable {
    /// libyaml refused the text (its reader, scanner or parser), or the document uses an alias
    /// before its anchor, or the file holds more than one document. `message` is libyaml's
    /// words with the construct it was reading.
    case syntax(line: Int, column: Int, message: String)
    /// Keys written more than once in one mapping, sorted; the position is the first
    /// occurrence of the first of them.
    case duplicateKeys([String], line: Int, column: Int)
    /// Collections nested deeper than ``Limits/nestingDepth``, at the first one too deep.
    case tooDeep(line: Int, column: Int)
    /// libyaml could not allocate memory.
    case outOfMemory
}
