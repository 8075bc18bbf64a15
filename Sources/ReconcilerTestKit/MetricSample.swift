/// One sample of the Prometheus text format, for tests that check metrics by value, never by
/// string (family order in swift-prometheus' output is not fixed).
public struct MetricSample: Hashable, Sendable {
    public var name: String
    public var labels: [String: String]
    public var value: Double

    /// Parses `name{a="b",c="d"} value` lines; comments and blank lines are skipped.
    public static func parse(_ text: String) -> [MetricSample] {
        text.split(separator: "\n").compactMap { line in
            guard !line.hasPrefix("#") else { return nil }
            let nameEnd = line.firstIndex { $0 == "{" || $0 == " " } ?? line.endIndex
            let name = String(line[..<nameEnd])
            var labels: [String: String] = [:]
            var rest = line[nameEnd...]
            if rest.first == "{", let close = rest.lastIndex(of: "}") {
                let body = rest[rest.index(after: rest.startIndex)..<close]
                var scanner = body[...]
                while let equals = scanner.firstIndex(of: "=") {
                    let key = scanner[..<equals].drop { $0 == "," || $0 == " " }
                    var index = scanner.index(equals, offsetBy: 2)
                    var value = ""
                    while index < scanner.endIndex, scanner[index] != "\"" {
                        if scanner[index] == "\\" { index = scanner.index(after: index) }
                        value.append(scanner[index])
                        index = scanner.index(after: index)
                    }
                    labels[String(key)] = value
                    scanner = index < scanner.endIndex ? scanner[scanner.index(after: index)...] : scanner[scanner.endIndex...]
                }
                rest = rest[rest.index(after: close)...]
            }
            guard let value = Double(rest.split(separator: " ").first ?? "") else { return nil }
            return MetricSample(name: name, labels: labels, value: value)
        }
    }
}
