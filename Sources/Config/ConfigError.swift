/// Why a config file was refused: every problem found in it, not just the first, so that an
/// operator fixes a file in one round instead of one error per run.
public struct ConfigError: Error, Sendable, CustomStringConvertible {
    /// In the order of the file (line, then column), never empty.
    public var problems: [ConfigProblem]

    public init(problems: [ConfigProblem]) {
        self.problems = problems
    }

    /// One line per problem.
    public var description: String {
        problems.map(\.description).joined(separator: "\n")
    }
}
