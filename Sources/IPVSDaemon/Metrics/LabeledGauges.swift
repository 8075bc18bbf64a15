import Synchronization

/// A gauge family rendered by hand, whatever its labels: what a scrape asks of each.
protocol RenderedFamily: Sendable {
    func render(into bytes: inout [UInt8])
}

/// One gauge family whose label sets follow the desired state (one series per service, say):
/// each full reconcile replaces every series at once, so that a deleted service stops being
/// exported instead of freezing at its last value; a scoped pass updates its services' series.
///
/// Rendered here rather than kept as one swift-prometheus `Gauge` per label set because its
/// registry copies the family's whole dictionary for every label set it adds
/// (`MetricFamily.adding(metric:for:)` under `PrometheusCollectorRegistry._makeGauge`) or removes
/// (`unregisterGauge`), so making or dropping N series costs O(N²): 3.4 s of CPU to record the
/// first reconcile of 10,000 services. Here a reconcile is one dictionary swap and a scrape one
/// sort.
final class LabeledGauges<Labels: SeriesLabels>: RenderedFamily {
    let name: String
    let help: String
    /// Values by labels, and their text once rendered: between two reconciles every scrape
    /// answers the same, so it is sorted and printed once.
    private let series = Mutex(Series())

    struct Series {
        var values: [Labels: Double] = [:]
        var rendered: [UInt8]?
    }

    /// `help` is written as given: a literal without backslash or newline.
    init(name: String, help: String) {
        self.name = name
        self.help = help
    }

    /// Sets every series to its value and drops the series not named.
    func replace(with values: [Labels: Double]) {
        series.withLock { series in
            // A pass that changed nothing keeps the rendered text.
            if series.values != values { series = Series(values: values) }
        }
    }

    /// Drops the series `removing` names, then sets those `setting` names: the series of the
    /// services one scoped pass selected again, the others left as they are.
    func update(removing: some Sequence<Labels>, setting values: [Labels: Double]) {
        series.withLock { series in
            for labels in removing { series.values[labels] = nil }
            series.values.merge(values) { _, new in new }
            series.rendered = nil
        }
    }

    /// Adds each delta to its series (a count that moved).
    func adjust(by deltas: [Labels: Double]) {
        series.withLock { series in
            for (labels, delta) in deltas where delta != 0 { series.values[labels, default: 0] += delta }
            series.rendered = nil
        }
    }

    /// Appends the family in Prometheus text, series sorted by label values so that scrapes are
    /// stable. Without series it appends nothing, not even `# HELP` and `# TYPE`: the registry
    /// dropped a family with its last series.
    func render(into bytes: inout [UInt8]) {
        bytes += series.withLock { series in
            if let rendered = series.rendered { return rendered }
            let rendered = Self.text(of: series.values, name: name, help: help)
            series.rendered = rendered
            return rendered
        }
    }

    private static func text(of series: [Labels: Double], name: String, help: String) -> [UInt8] {
        guard !series.isEmpty else { return [] }
        var text: [UInt8] = []
        PrometheusText.appendHeader(name: name, help: help, type: "gauge", to: &text)
        for (labelValues, value) in series.sorted(by: { $0.key < $1.key }) {
            let labels = zip(Labels.names, labelValues.values).map { "\($0)=\"\(PrometheusText.escapedLabelValue($1))\"" }
            // `Double`'s description, as swift-prometheus prints gauges: 1.0, not 1.
            text += "\(name){\(labels.joined(separator: ","))} \(value)\n".utf8
        }
        return text
    }
}
