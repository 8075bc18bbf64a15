import Selftest

/// One line per check, `STATUS  check subject  detail`, the fix indented under it, and a
/// count at the end.
enum SelftestText {
    static func render(_ report: SelftestReport) -> String {
        let labels = report.results.map { [$0.check.rawValue, $0.subject].compactMap(\.self).joined(separator: " ") }
        let width = min(labels.map(\.count).max() ?? 0, 40)
        var text = ""
        for (result, label) in zip(report.results, labels) {
            text += pad(result.status.rawValue, 6) + pad(label, width + 2) + result.detail + "\n"
            if let fix = result.fix {
                text += String(repeating: " ", count: 6 + width + 2) + "fix: " + fix + "\n"
            }
        }
        text += "selftest: \(report.count(.ok)) OK, \(report.count(.warn)) WARN, \(report.count(.fail)) FAIL\n"
        return text
    }

    private static func pad(_ text: String, _ width: Int) -> String {
        text.count >= width ? text + " " : text + String(repeating: " ", count: width - text.count)
    }
}
