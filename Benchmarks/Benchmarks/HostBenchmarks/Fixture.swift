import Config
import IPVSCore
import IPVSDaemon
import Workloads

/// Inputs shared by the benchmarks, built once per process (globals are lazy) and outside every
/// measurement. The desired state comes through the real config loader and endpoint selection,
/// so the planner sees exactly what `apply` would give it.
struct Fixture: Sendable {
    static let node = "bench"
    static let full = Fixture(SyntheticTable(services: 10_000))

    let yaml: String
    let state: DesiredState
    let desired: DesiredKernelState
    let churned: DesiredKernelState
    let observed: [ObservedTableEntry]
    let ledger: Ledger

    init(_ table: SyntheticTable) {
        yaml = table.yaml()
        do {
            state = try ConfigLoader.parse(yaml, file: "bench.yaml")
        } catch {
            fatalError("the synthetic config must be valid: \(error)")
        }
        desired = EndpointSelection.select(state, node: Self.node)
        precondition(desired.virtualServices.count == table.services)
        churned = SyntheticTable.churned(desired)
        observed = SyntheticTable.observed(desired)
        ledger = SyntheticTable.ledger(owning: desired)
    }

    /// The agent's /metrics endpoint after a reconcile of this table.
    var scrape: AgentEndpoints {
        let metrics = AgentMetrics(version: "bench")
        metrics.recordSelection(desired, health: nil, state: state, node: Self.node)
        let exposition = TrafficExposition(
            serviceNames: Dictionary(
                desired.virtualServices.map { ($0.service.key, $0.origin.serviceName) }, uniquingKeysWith: { first, _ in first }))
        let services = observed.map(\.virtualService)
        return AgentEndpoints(metrics: metrics, status: AgentStatus(loopStallBound: .seconds(60))) {
            var text: [UInt8] = []
            exposition.render(virtualServices: services, into: &text)
            return text
        }
    }
}
