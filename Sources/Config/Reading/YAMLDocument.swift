import Yams

/// Turns text into Yams' node tree, which keeps each node's position (unlike decoding straight
/// into values), so that every later problem can point at a line and column.
enum YAMLDocument {
    /// The root node, nil for a file with no document (empty or only comments); throws the
    /// syntax problem that stops reading: after a syntax error there is no tree to check further.
    static func compose(_ text: String, file: String) throws(ConfigError) -> Node? {
        do {
            // The basic resolver leaves scalars untyped for ScalarKind, which is much faster than
            // Yams' regular expressions; UTF-8 explicitly, since Yams' default reads (and prints
            // about) an environment variable.
            return try Yams.compose(yaml: text, .basic, .default, .utf8)
        } catch let error as YamlError {
            throw ConfigError(problems: [problem(for: error, in: text, file: file)])
        } catch {
            throw ConfigError(problems: [
                ConfigProblem(
                    file: file, line: 1, column: 1, path: "", code: .syntax, message: "\(error)")
            ])
        }
    }

    private static func problem(for error: YamlError, in text: String, file: String) -> ConfigProblem {
        func make(_ code: ConfigProblem.Code, _ position: (line: Int, column: Int), _ message: String) -> ConfigProblem {
            ConfigProblem(file: file, line: position.line, column: position.column, path: "", code: code, message: message)
        }
        switch error {
        case .scanner(let context, let problem, let mark, _),
            .parser(let context, let problem, let mark, _),
            .composer(let context, let problem, let mark, _):
            return make(.syntax, (mark.line, mark.column), sentence(problem, context))
        case .duplicatedKeysInMapping(let duplicates, let context):
            // Yams points at the first occurrence of the first duplicated key, and stops there.
            let keys = duplicates.map { "'\($0)'" }.joined(separator: ", ")
            let message =
                duplicates.count == 1
                ? "key \(keys) appears more than once in this mapping (this is the first)"
                : "keys \(keys) appear more than once in this mapping (this is the first '\(duplicates[0])')"
            return make(.duplicateKey, (context.mark.line, context.mark.column), message)
        case .reader(let problem, let offset, _, _):
            return make(.syntax, position(atCharacterOffset: offset ?? 0, in: text), problem)
        default:
            return make(.syntax, (1, 1), "\(error)")
        }
    }

    /// libyaml's words, with the construct it was reading and where that began, which is
    /// often where the real mistake is (an unclosed quote or bracket).
    private static func sentence(_ problem: String, _ context: YamlError.Context?) -> String {
        guard let context else { return problem }
        let start = "line \(context.mark.line), column \(context.mark.column)"
        // libyaml phrases some as "expected X" + "but found Y".
        if problem.hasPrefix("but ") { return "\(context.text) (\(start)) \(problem)" }
        return "\(problem) (\(context.text) at \(start))"
    }

    private static func position(atCharacterOffset offset: Int, in text: String) -> (line: Int, column: Int) {
        var line = 1
        var column = 1
        for character in text.prefix(offset) {
            if character.isNewline {
                line += 1
                column = 1
            } else {
                column += character.unicodeScalars.count
            }
        }
        return (line, column)
    }
}
