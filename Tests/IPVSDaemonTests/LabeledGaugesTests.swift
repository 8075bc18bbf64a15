import IPVSCore
import ReconcilerTestKit
import Testing

@testable import IPVSDaemon

/// The per-service families rendered by hand: their text must read as swift-prometheus' did.
struct LabeledGaugesTests {
    typealias Family = LabeledGauges<ServiceVerdictLabels>

    static func family() -> Family {
        Family(name: "ipvsctl_test_series", help: "Test series.")
    }

    static func labels(_ service: String, _ verdict: HealthVerdict) -> ServiceVerdictLabels {
        ServiceVerdictLabels(service: service, verdict: verdict)
    }

    static func rendered(_ family: Family) -> String {
        var bytes: [UInt8] = []
        family.render(into: &bytes)
        return String(decoding: bytes, as: UTF8.self)
    }

    @Test("header, label order as declared, values printed as swift-prometheus prints gauges")
    func text() {
        let family = Self.family()
        family.replace(with: [Self.labels("default/web", .healthy): 1, Self.labels("default/web", .unhealthy): 0.5])
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
        family.replace(with: [Self.labels("a\\b\"c\nd", .healthy): 1])
        let text = Self.rendered(family)
        #expect(text.contains(#"ipvsctl_test_series{service="a\\b\"c\nd",state="healthy"} 1.0"#))
        #expect(text.split(separator: "\n").count == 3)
    }

    @Test("series come sorted by label values, whatever the dictionary's order")
    func order() {
        let family = Self.family()
        let services = ["b", "a", "c/x", "c", "a/z"].map { "default/\($0)" }
        family.replace(
            with: Dictionary(
                uniqueKeysWithValues: services.flatMap { service in
                    [HealthVerdict.unknown, .healthy].map { (Self.labels(service, $0), 1.0) }
                }))
        let labels = MetricSample.parse(Self.rendered(family)).map { [$0.labels["service"]!, $0.labels["state"]!] }
        #expect(labels == services.sorted().flatMap { [[$0, "healthy"], [$0, "unknown"]] })
        #expect(Self.rendered(family) == Self.rendered(family))
    }

    @Test("a replace drops the series it does not name; without series the family renders nothing")
    func replace() {
        let family = Self.family()
        #expect(Self.rendered(family) == "")
        family.replace(with: [Self.labels("default/web", .healthy): 1, Self.labels("default/api", .healthy): 2])
        family.replace(with: [Self.labels("default/api", .healthy): 3])
        let samples = MetricSample.parse(Self.rendered(family))
        #expect(samples.map(\.labels) == [["service": "default/api", "state": "healthy"]])
        #expect(samples.map(\.value) == [3])
        family.replace(with: [:])
        #expect(Self.rendered(family) == "")
    }

    @Test("update and adjust change only the series they name, and a scrape after them sees them")
    func updateAndAdjust() {
        let family = Self.family()
        family.replace(with: [
            Self.labels("default/web", .healthy): 2, Self.labels("default/api", .healthy): 1, Self.labels("default/api", .unhealthy): 0,
        ])
        _ = Self.rendered(family)
        family.update(
            removing: [Self.labels("default/api", .healthy), Self.labels("default/api", .unhealthy)],
            setting: [Self.labels("default/api", .unknown): 1])
        family.adjust(by: [Self.labels("default/web", .healthy): -1, Self.labels("default/web", .unhealthy): 1])
        let samples = MetricSample.parse(Self.rendered(family))
        #expect(
            Dictionary(uniqueKeysWithValues: samples.map { ("\($0.labels["service"]!) \($0.labels["state"]!)", $0.value) }) == [
                "default/web healthy": 1, "default/web unhealthy": 1, "default/api unknown": 1,
            ])
    }

    @Test("10,000 series record in one replace and render once each")
    func tenThousandSeries() {
        let family = Self.family()
        let values = Dictionary(uniqueKeysWithValues: (0..<10_000).map { (Self.labels("default/service-\($0)", .healthy), Double($0)) })
        family.replace(with: values)
        let text = Self.rendered(family)
        let samples = MetricSample.parse(text)
        #expect(samples.count == 10_000)
        #expect(Set(samples.map { $0.labels["service"]! }).count == 10_000)
        #expect(
            samples.allSatisfy { values[Self.labels($0.labels["service"]!, HealthVerdict(rawValue: $0.labels["state"]!)!)] == $0.value })
        #expect(text.split(separator: "\n").filter { $0.hasPrefix("# TYPE ") }.count == 1)
    }

    @Test("each label type orders series as their label values compare, as scrapes list them")
    func labelTypesOrderByTheirValues() {
        let services = ["", "a", "a/b", "a-b", "b", "default/web", "Z"]
        func agrees<Labels: SeriesLabels>(_ all: [Labels]) -> Bool {
            all.allSatisfy { a in all.allSatisfy { b in (a < b) == a.values.lexicographicallyPrecedes(b.values) } }
        }
        #expect(agrees(services.map { ServiceLabels(service: $0) }))
        #expect(
            agrees(services.flatMap { service in TrafficPolicyScope.allCases.map { ServicePolicyLabels(service: service, scope: $0) } }))
        #expect(agrees(services.flatMap { service in HealthVerdict.allCases.map { ServiceVerdictLabels(service: service, verdict: $0) } }))
        #expect(
            agrees(
                TrafficPolicyScope.allCases.flatMap { scope in
                    SelectionOutcome.allCases.map { PolicyOutcomeLabels(scope: scope, outcome: $0) }
                }))
        #expect(ServicePolicyLabels.names == ["service", "traffic_policy"] && PolicyOutcomeLabels.names == ["traffic_policy", "outcome"])
    }
}
