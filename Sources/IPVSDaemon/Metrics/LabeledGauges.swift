import Prometheus
import Synchronization

/// One gauge family whose label sets follow the desired state (one series per service, say):
/// series that are no longer reported are unregistered, so that a deleted service stops being
/// exported instead of freezing at its last value.
final class LabeledGauges: Sendable {
    private let registry: PrometheusCollectorRegistry
    private let descriptor: MetricNameDescriptorBox
    private let labelNames: [String]
    private let gauges = Mutex([[String]: Gauge]())

    init(_ registry: PrometheusCollectorRegistry, name: String, help: String, labels: [String]) {
        self.registry = registry
        descriptor = MetricNameDescriptorBox(name: name, help: help)
        labelNames = labels
    }

    /// Sets every series to its value and drops the series not named.
    func replace(with values: [[String]: Double]) {
        gauges.withLock { gauges in
            for (labelValues, gauge) in gauges where values[labelValues] == nil {
                registry.unregisterGauge(gauge)
                gauges[labelValues] = nil
            }
            for (labelValues, value) in values {
                let gauge = gauges[labelValues] ?? {
                    let made = registry.makeGauge(descriptor: descriptor.descriptor, labels: Array(zip(labelNames, labelValues)))
                    gauges[labelValues] = made
                    return made
                }()
                gauge.set(value)
            }
        }
    }
}

/// `MetricNameDescriptor` is not Sendable; its two strings are.
struct MetricNameDescriptorBox: Sendable {
    var name: String
    var help: String
    var descriptor: MetricNameDescriptor { MetricNameDescriptor(metricName: name, unitName: "", helpText: help) }
}

extension PrometheusCollectorRegistry {
    func counter(_ name: String, _ help: String, labels: [(String, String)] = []) -> Counter {
        let descriptor = MetricNameDescriptor(metricName: name, unitName: "", helpText: help)
        return labels.isEmpty ? makeCounter(descriptor: descriptor) : makeCounter(descriptor: descriptor, labels: labels)
    }

    func gauge(_ name: String, _ help: String, labels: [(String, String)] = []) -> Gauge {
        let descriptor = MetricNameDescriptor(metricName: name, unitName: "", helpText: help)
        return labels.isEmpty ? makeGauge(descriptor: descriptor) : makeGauge(descriptor: descriptor, labels: labels)
    }
}
