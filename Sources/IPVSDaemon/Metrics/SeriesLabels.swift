import IPVSCore

/// The label values of one series of a ``LabeledGauges`` family, typed: a series is named by a
/// value (a service's name and a scope, say) rather than by an array of strings, which cost a
/// heap object per series (tens of thousands at 10,000 services) and let any word through.
///
/// `<` must order series as their `values` compare, element by element: scrapes list them so.
protocol SeriesLabels: Hashable, Comparable, Sendable {
    /// The label names, in the order of ``values``.
    static var names: [String] { get }
    var values: [String] { get }
}

/// `{service}`.
struct ServiceLabels: SeriesLabels {
    var service: String

    static let names = ["service"]
    var values: [String] { [service] }
    static func < (a: Self, b: Self) -> Bool { a.service < b.service }
}

/// `{service, traffic_policy}`: a service's virtual services of one policy scope.
struct ServicePolicyLabels: SeriesLabels {
    var service: String
    var scope: TrafficPolicyScope

    static let names = ["service", "traffic_policy"]
    var values: [String] { [service, scope.rawValue] }
    static func < (a: Self, b: Self) -> Bool { (a.service, a.scope.rawValue) < (b.service, b.scope.rawValue) }
}

/// `{service, state}`: a service's health-checked endpoints with one verdict.
struct ServiceVerdictLabels: SeriesLabels {
    var service: String
    var verdict: HealthVerdict

    static let names = ["service", "state"]
    var values: [String] { [service, verdict.rawValue] }
    static func < (a: Self, b: Self) -> Bool { (a.service, a.verdict.rawValue) < (b.service, b.verdict.rawValue) }
}

/// `{traffic_policy, outcome}`: virtual services by scope and how their selection went.
struct PolicyOutcomeLabels: SeriesLabels {
    var scope: TrafficPolicyScope
    var outcome: SelectionOutcome

    static let names = ["traffic_policy", "outcome"]
    var values: [String] { [scope.rawValue, outcome.rawValue] }
    static func < (a: Self, b: Self) -> Bool { (a.scope.rawValue, a.outcome.rawValue) < (b.scope.rawValue, b.outcome.rawValue) }
}
