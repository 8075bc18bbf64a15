import Selftest

#if canImport(FoundationEssentials)
    import FoundationEssentials
#else
    import Foundation
#endif

/// `{"status": "FAIL", "checks": [{"check", "subject", "status", "detail", "fix"}], "counts": {...}}`.
enum SelftestJSON {
    struct Document: Encodable {
        var status: String
        var counts: [String: Int]
        var checks: [Check]
    }

    struct Check: Encodable {
        var check: String
        var subject: String?
        var status: String
        var detail: String
        var fix: String?
    }

    static func render(_ report: SelftestReport) throws -> String {
        let document = Document(
            status: report.status.rawValue,
            counts: Dictionary(uniqueKeysWithValues: CheckStatus.allCases.map { ($0.rawValue, report.count($0)) }),
            checks: report.results.map {
                Check(check: $0.check.rawValue, subject: $0.subject, status: $0.status.rawValue, detail: $0.detail, fix: $0.fix)
            })
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        return String(decoding: try encoder.encode(document), as: UTF8.self)
    }
}
