import Config
import IPVSCore
import Testing

/// Helpers shared by the config tests: parse a snippet, get its problems, find example files.
enum ConfigTesting {
    static let file = "test.yaml"

    /// The package root, from this file's place in Tests/ConfigTests/Support.
    static let packageRoot: String = {
        var parts = #filePath.split(separator: "/", omittingEmptySubsequences: false)
        parts.removeLast(4)
        return parts.joined(separator: "/")
    }()

    static func example(_ name: String) -> String {
        "\(packageRoot)/examples/\(name)"
    }

    /// The problems of `yaml`; records a test issue (and returns none) if it parses.
    static func problems(_ yaml: String, sourceLocation: SourceLocation = #_sourceLocation) -> [ConfigProblem] {
        do {
            let state = try ConfigLoader.parse(yaml, file: file)
            Issue.record("expected problems, parsed \(state)", sourceLocation: sourceLocation)
            return []
        } catch {
            return error.problems
        }
    }

    /// The only problem of `yaml`; records a test issue if there is not exactly one.
    static func problem(_ yaml: String, sourceLocation: SourceLocation = #_sourceLocation) -> ConfigProblem? {
        let found = problems(yaml, sourceLocation: sourceLocation)
        guard found.count == 1 else {
            Issue.record(
                "expected one problem, found \(found.count):\n\(found.map(\.description).joined(separator: "\n"))",
                sourceLocation: sourceLocation)
            return nil
        }
        return found[0]
    }

    /// The state `yaml` parses to; records a test issue (with every problem) if it does not.
    static func state(_ yaml: String, sourceLocation: SourceLocation = #_sourceLocation) -> DesiredState? {
        do {
            return try ConfigLoader.parse(yaml, file: file)
        } catch {
            Issue.record("expected a valid file:\n\(error)", sourceLocation: sourceLocation)
            return nil
        }
    }

    /// The only service of a one-service file written as its fields (indented for a list item).
    static func service(_ fields: String, sourceLocation: SourceLocation = #_sourceLocation) -> ServiceSpec? {
        state(
            "services:\n- "
                + fields.split(separator: "\n", omittingEmptySubsequences: false)
                .joined(separator: "\n  "), sourceLocation: sourceLocation)?.services.first
    }
}

/// A problem's position, path and code: what the tests compare; messages are checked apart,
/// by their key words.
struct Place: Equatable, CustomStringConvertible {
    var line: Int
    var column: Int
    var path: String
    var code: ConfigProblem.Code

    init(_ line: Int, _ column: Int, _ path: String, _ code: ConfigProblem.Code) {
        self.line = line
        self.column = column
        self.path = path
        self.code = code
    }

    init(_ problem: ConfigProblem) {
        self.init(problem.line, problem.column, problem.path, problem.code)
    }

    var description: String { "\(line):\(column) \(path) \(code)" }
}

extension ConfigProblem {
    var place: Place { Place(self) }
}
