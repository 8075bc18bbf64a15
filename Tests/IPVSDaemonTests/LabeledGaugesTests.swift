import ReconcilerTestKit
import Testing

@testable import IPVSDaemon

/// The per-service families rendered by hand: their text must read as swift-prometheus' did.
struct LabeledGaugesTests {
    static func family() -> LabeledGauges {
        LabeledGauges(name: "ipvsctl_test_series", help: "Test series.", labels: ["service", "state"])
    }

    static func rendered(_ family: LabeledGauges) -> String {
        var bytes: [UInt8] = []
        family.render(into: &bytes)
        return String(decoding: bytes, as: UTF8.self)
    }

    @Test("header, label order as declared, values printed as swift-prometheus prints gauges")
    func text() {
        let family = Self.family()
        family.replace(with: [["default/web", "healthy"]: 1, ["default/web", "unhealthy"]: 0.5])
        #expect(
            Self.rendered(family) == """
                # HELP ipvsctl_test_series Test series.
                # TYPE ipvsctl_test_series gauge
                ipvsctl_test_series{service="default/web",state="healthy"} 1.0
                ipvsctl_test_series{service="default/web",state="unhealthy"} 0.5

                """)
    }

    @Test("label values escape backslash, double quote and newline")
    func escaping() {
        let family = Self.family()
        family.replace(with: [["a\\b\"c\nd", "ok"]: 1])
        let text = Self.rendered(family)
        #expect(text.contains(#"ipvsctl_test_series{service="a\\b\"c\nd",state="ok"} 1.0"#))
        #expect(text.split(separator: "\n").count == 3)
    }

    @Test("series come sorted by label values, whatever the dictionary's order")
    func order() {
        let family = Self.family()
        let services = ["b", "a", "c/x", "c", "a/z"].map { "default/\($0)" }
        family.replace(
            with: Dictionary(
                uniqueKeysWithValues: services.flatMap { service in
                    ["unknown", "healthy"].map { ([service, $0], 1.0) }
                }))
        let labels = MetricSample.parse(Self.rendered(family)).map { [$0.labels["service"]!, $0.labels["state"]!] }
        #expect(labels == services.sorted().flatMap { [[$0, "healthy"], [$0, "unknown"]] })
        #expect(Self.rendered(family) == Self.rendered(family))
    }

    @Test("a replace drops the series it does not name; without series the family renders nothing")
    func replace() {
        let family = Self.family()
        #expect(Self.rendered(family) == "")
        family.replace(with: [["default/web", "healthy"]: 1, ["default/api", "healthy"]: 2])
        family.replace(with: [["default/api", "healthy"]: 3])
        let samples = MetricSample.parse(Self.rendered(family))
        #expect(samples.map(\.labels) == [["service": "default/api", "state": "healthy"]])
        #expect(samples.map(\.value) == [3])
        family.replace(with: [:])
        #expect(Self.rendered(family) == "")
    }

    @Test("update and adjust change only the series they name, and a scrape after them sees them")
    func updateAndAdjust() {
        let family = Self.family()
        family.replace(with: [["default/web", "healthy"]: 2, ["default/api", "healthy"]: 1, ["default/api", "unhealthy"]: 0])
        _ = Self.rendered(family)
        family.update(removing: [["default/api", "healthy"], ["default/api", "unhealthy"]], setting: [["default/api", "unknown"]: 1])
        family.adjust(by: [["default/web", "healthy"]: -1, ["default/web", "unhealthy"]: 1])
        let samples = MetricSample.parse(Self.rendered(family))
        #expect(
            Dictionary(uniqueKeysWithValues: samples.map { ("\($0.labels["service"]!) \($0.labels["state"]!)", $0.value) }) == [
                "default/web healthy": 1, "default/web unhealthy": 1, "default/api unknown": 1,
            ])
    }

    @Test("10,000 series record in one replace and render once each")
    func tenThousandSeries() {
        let family = Self.family()
        let values = Dictionary(uniqueKeysWithValues: (0..<10_000).map { (["default/service-\($0)", "healthy"], Double($0)) })
        family.replace(with: values)
        let text = Self.rendered(family)
        let samples = MetricSample.parse(text)
        #expect(samples.count == 10_000)
        #expect(Set(samples.map { $0.labels["service"]! }).count == 10_000)
        #expect(samples.allSatisfy { values[[$0.labels["service"]!, $0.labels["state"]!]] == $0.value })
        #expect(text.split(separator: "\n").filter { $0.hasPrefix("# TYPE ") }.count == 1)
    }
}
