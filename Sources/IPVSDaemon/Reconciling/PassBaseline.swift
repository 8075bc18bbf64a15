import IPVSCore
import Reconciler

/// What a scoped pass plans against, left by the last full pass that applied everything and
/// kept up by every pass since: the table as read plus our writes, the ledger as written, where
/// each desired virtual service sits, and which declared services each health target feeds.
///
/// Dropped (the next pass reads everything) after any failure, on a new desired state, and by
/// every full pass, which builds it again from its own read.
struct PassBaseline: Sendable {
    /// The source generation the desired state came from.
    var generation: UInt64
    var mirror: TableMirror
    var ledger: Ledger
    /// The index of each desired virtual service in the loop's `lastAppliedDesired`.
    var positions: [VirtualServiceKey: Int]
    /// The desired virtual services of each declared service, by name.
    var keysOfService: [String: [VirtualServiceKey]]
    /// The declared services (indices into the state's services) whose selection a target's
    /// verdict feeds.
    var servicesOfTarget: [HealthTarget: [Int]]
    /// What the health ports answer.
    var healthPorts: [UInt16: HealthPortStatus]?
    /// The netfilter table the desired state makes, service by service.
    var packetFilter: PacketFilterTally

    init(
        generation: UInt64, state: DesiredState, node: String, planning: Reconciler.Planning, report: Reconciler.Report,
        healthPorts: [UInt16: HealthPortStatus]?
    ) {
        self.generation = generation
        var mirror = TableMirror(planning.observed)
        mirror.record(report.applied)
        self.mirror = mirror
        ledger = report.ledger
        var positions: [VirtualServiceKey: Int] = [:]
        var keysOfService: [String: [VirtualServiceKey]] = [:]
        for (index, service) in planning.desired.virtualServices.enumerated() {
            positions[service.service.key] = index
            keysOfService[service.origin.serviceName, default: []].append(service.service.key)
        }
        self.positions = positions
        self.keysOfService = keysOfService
        var servicesOfTarget: [HealthTarget: [Int]] = [:]
        for (index, spec) in state.services.enumerated()
        where spec.healthCheck != nil || spec.endpoints.contains(where: { $0.healthCheck != nil }) {
            for endpoint in spec.endpoints {
                guard let target = spec.healthTarget(of: endpoint) else { continue }
                if servicesOfTarget[target]?.last != index { servicesOfTarget[target, default: []].append(index) }
            }
        }
        self.servicesOfTarget = servicesOfTarget
        self.healthPorts = healthPorts
        packetFilter = planning.packetFilter ?? PacketFilterTally(state, kernel: planning.desired, node: node)
    }

    /// The declared services (indices) whose selection `targets` feed, in declaration order.
    func services(of targets: Set<HealthTarget>) -> [Int] {
        var indices = Set<Int>()
        for target in targets { indices.formUnion(servicesOfTarget[target] ?? []) }
        return indices.sorted()
    }
}
