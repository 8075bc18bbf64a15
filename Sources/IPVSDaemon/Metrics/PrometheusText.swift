/// Pieces of the Prometheus text exposition format shared by what we render by hand
/// (``TrafficExposition``, ``LabeledGauges``). They write bytes, not `String`s: a scrape at
/// 10,000 services is some 100,000 lines, and appending bytes to one buffer costs a copy each
/// where formatting a `String` per line costs allocations.
enum PrometheusText {
    /// Label values escape backslash, double quote and newline (the text format's rule).
    static func escapedLabelValue(_ value: String) -> String {
        guard value.contains(where: { $0 == "\\" || $0 == "\"" || $0 == "\n" }) else { return value }
        var escaped = ""
        for character in value {
            switch character {
            case "\\": escaped += "\\\\"
            case "\"": escaped += "\\\""
            case "\n": escaped += "\\n"
            default: escaped.append(character)
            }
        }
        return escaped
    }

    /// Appends `value` in decimal, as the text format writes a counter.
    static func appendDecimal(_ value: UInt64, to bytes: inout [UInt8]) {
        guard value >= 10 else {
            bytes.append(UInt8(ascii: "0") + UInt8(value))
            return
        }
        // UInt64.max has 20 digits.
        withUnsafeTemporaryAllocation(of: UInt8.self, capacity: 20) { digits in
            var rest = value
            var start = digits.count
            while rest > 0 {
                start -= 1
                digits[start] = UInt8(ascii: "0") + UInt8(rest % 10)
                rest /= 10
            }
            bytes.append(contentsOf: UnsafeMutableBufferPointer(rebasing: digits[start...]))
        }
    }

    /// `# HELP` and `# TYPE` of a family; `help` is a literal without backslash or newline.
    static func appendHeader(name: String, help: String, type: String, to bytes: inout [UInt8]) {
        bytes.append(contentsOf: "# HELP \(name) \(help)\n# TYPE \(name) \(type)\n".utf8)
    }
}
