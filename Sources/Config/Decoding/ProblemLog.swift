/// Collects problems while the whole document is walked, so that loading reports all of them
/// at once. A class because every ``ConfigNode`` of one document appends to the same log.
final class ProblemLog {
    let file: String
    private(set) var problems: [ConfigProblem] = []

    init(file: String) {
        self.file = file
    }

    func report(_ code: ConfigProblem.Code, line: Int, column: Int, path: FieldPath, _ message: String) {
        problems.append(
            ConfigProblem(
                file: file, line: line, column: column,
                path: path.description, code: code, message: message))
    }

    /// Problems found before the document could be walked (the file could not be read or
    /// composed).
    func append(_ found: [ConfigProblem]) {
        problems += found
    }

    /// In file order, each problem once: a value reached twice through a YAML merge key or alias
    /// would otherwise repeat its problem.
    var sortedUniqueProblems: [ConfigProblem] {
        var seen = Set<ConfigProblem>()
        return
            problems
            .filter { seen.insert($0).inserted }
            .enumerated()
            .sorted { ($0.element.line, $0.element.column, $0.offset) < ($1.element.line, $1.element.column, $1.offset) }
            .map(\.element)
    }
}
