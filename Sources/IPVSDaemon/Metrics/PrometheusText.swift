/// Pieces of the Prometheus text exposition format shared by what we render by hand
/// (``TrafficExposition``, ``LabeledGauges``).
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
}
