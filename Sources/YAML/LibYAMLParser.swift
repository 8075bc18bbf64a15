import CYAML

/// One libyaml parser over UTF-8 bytes that outlive it: hands out events one at a time and
/// turns its failures into ``ComposeError``s.
final class LibYAMLParser {
    private let parser: UnsafeMutablePointer<yaml_parser_t>
    private let event: UnsafeMutablePointer<yaml_event_t>
    private let input: UnsafeBufferPointer<UInt8>

    init(_ input: UnsafeBufferPointer<UInt8>) throws(ComposeError) {
        self.input = input
        parser = .allocate(capacity: 1)
        parser.initialize(to: yaml_parser_t())
        event = .allocate(capacity: 1)
        event.initialize(to: yaml_event_t())
        // Thrown once every property is set: deinit then releases what was allocated.
        guard yaml_parser_initialize(parser) == 1 else { throw .outOfMemory }
        yaml_parser_set_encoding(parser, YAML_UTF8_ENCODING)
        yaml_parser_set_input_string(parser, input.baseAddress, input.count)
    }

    deinit {
        yaml_event_delete(event)
        yaml_parser_delete(parser)
        parser.deallocate()
        event.deallocate()
    }

    /// The next event, valid until the next call.
    func next() throws(ComposeError) -> UnsafePointer<yaml_event_t> {
        yaml_event_delete(event)
        guard yaml_parser_parse(parser, event) == 1 else { throw error() }
        return UnsafePointer(event)
    }

    /// libyaml's own words for what stopped it, with the construct it was reading and where that
    /// began, which is often where the real mistake is (an unclosed quote or bracket).
    private func error() -> ComposeError {
        let state = parser.pointee
        switch state.error {
        case YAML_MEMORY_ERROR:
            return .outOfMemory
        case YAML_READER_ERROR:
            let (line, column) = Self.position(ofByte: state.problem_offset, in: input)
            return .syntax(line: line, column: column, message: Self.text(state.problem))
        default:
            let problem = Self.text(state.problem)
            var message = problem
            if let context = state.context {
                let start = "line \(state.context_mark.line + 1), column \(state.context_mark.column + 1)"
                // libyaml phrases some as "expected X" + "but found Y".
                message =
                    problem.hasPrefix("but ")
                    ? "\(String(cString: context)) (\(start)) \(problem)" : "\(problem) (\(String(cString: context)) at \(start))"
            }
            return .syntax(line: state.problem_mark.line + 1, column: state.problem_mark.column + 1, message: message)
        }
    }

    private static func text(_ pointer: UnsafePointer<CChar>?) -> String {
        pointer.map { String(cString: $0) } ?? "unknown error"
    }

    /// Line and column (1-based, the column in Unicode scalars as libyaml counts them) of a
    /// byte offset, for the reader's errors, which carry only the offset. libyaml's line breaks
    /// are YAML 1.1's: `\n`, `\r`, `\r\n` (one), and U+0085, U+2028 and U+2029.
    static func position(ofByte offset: Int, in input: UnsafeBufferPointer<UInt8>) -> (line: Int, column: Int) {
        var line = 1
        var column = 1
        var index = 0
        func byteAt(_ position: Int) -> UInt8? { position < input.count ? input[position] : nil }
        while index < min(offset, input.count) {
            let byte = input[index]
            let next = byteAt(index + 1)
            let isBreak =
                switch byte {
                case UInt8(ascii: "\n"): true
                case UInt8(ascii: "\r"): next != UInt8(ascii: "\n")  // \r\n breaks at its \n
                case 0xC2: next == 0x85  // U+0085
                case 0xE2: next == 0x80 && (byteAt(index + 2) == 0xA8 || byteAt(index + 2) == 0xA9)  // U+2028, U+2029
                default: false
                }
            if isBreak {
                line += 1
                column = 1
            } else if byte & 0xC0 != 0x80, byte != UInt8(ascii: "\r") {
                column += 1
            }
            index += 1
        }
        return (line, column)
    }
}
