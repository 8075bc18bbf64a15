import Config
import FuzzSupport
import IPVSCore

/// Config file bytes to the validated model, as the agent loads them: with services from the
/// file, or from Kubernetes.
///
/// Which of the two: the input's length, odd or even (one load per input keeps it fast).
///
/// Property: the loader either returns a model or throws a ``ConfigError`` with at least one
/// problem, each of which names the file and a line and column inside the text (1-based;
/// columns in Unicode scalars, as libyaml counts them; YAML's line breaks are `\n`, `\r`,
/// `\r\n`, U+0085, U+2028 and U+2029), or the end of the input: libyaml ends a last line
/// without a line break itself, so "at the end" is the line after it, column 1.
@main
enum FuzzConfig {
    static func main() { runLibFuzzer { data, size in fuzzOne(data, size) } }
}

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzOne(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    let text = String(decoding: fuzzInput(data, size), as: UTF8.self)
    let extent = TextExtent(text)
    let origin: ConfigLoader.ServiceOrigin = size % 2 == 0 ? .file : .kubernetes
    do throws(ConfigError) {
        _ = try ConfigLoader.parse(text, file: "fuzz.yaml", servicesFrom: origin)
    } catch {
        require(!error.problems.isEmpty, "a ConfigError without problems")
        for problem in error.problems {
            require(problem.file == "fuzz.yaml", "problem names file \(problem.file): \(problem)")
            let atEnd = problem.line == extent.lines + 1 && problem.column == 1
            require(
                problem.line >= 1 && problem.line <= extent.lines || atEnd,
                "line \(problem.line) outside 1...\(extent.lines): \(problem)")
            require(
                problem.column >= 1 && problem.column <= extent.longestLine + 2,
                "column \(problem.column) outside 1...\(extent.longestLine + 2): \(problem)")
            require(!problem.message.isEmpty, "a problem without a message: \(problem)")
        }
    }
    return 0
}

/// How many lines `text` has for libyaml, and how long (in scalars) its longest line is.
struct TextExtent {
    var lines = 1
    var longestLine = 0

    init(_ text: String) {
        var current = 0
        var previous: Unicode.Scalar?
        for scalar in text.unicodeScalars {
            switch scalar {
            case "\n" where previous == "\r":
                break  // \r\n is one break, counted at the \r
            case "\n", "\r", "\u{85}", "\u{2028}", "\u{2029}":
                lines += 1
                longestLine = max(longestLine, current)
                current = 0
            default:
                current += 1
            }
            previous = scalar
        }
        longestLine = max(longestLine, current)
    }
}
