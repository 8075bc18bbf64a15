import IPVSCore
import Reconciler

/// What a scoped pass plans against, left by the last full pass that applied everything and
/// kept up by every pass since: the table as read plus our writes, the ledger as written, where
/// each desired virtual service sits, and which declared services each health target feeds.
///
/// Dropped (the next pass reads everything) after any failure, on a new desired state that
/// adds, removes or reorders services, and by every full pass, which builds it again from its
/// own read.
struct PassBaseline: Sendable {
    /// The source generation the desired state came from.
    var generation: UInt64
    /// The desired state of that generation: a new one is compared with it service by service.
    var state: DesiredState
    var mirror: TableMirror
    var ledger: Ledger
    /// Where each declared service's desired virtual services stand in the loop's
    /// `lastAppliedDesired`: those of service `i` (an index into `state.services`) are
    /// `virtualServicePositions[firstPosition[i]..<firstPosition[i + 1]]`. Two flat arrays, not
    /// a dictionary by key and an array per service (1.9 MB at 10,000 services, now 0.1).
    private var virtualServicePositions: [Int32]
    private var firstPosition: [Int32]
    /// Where each declared service stands in `state.services`, by name.
    var indexOfService: [String: Int]
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
        self.state = state
        var mirror = TableMirror(planning.observed)
        mirror.record(report.applied)
        self.mirror = mirror
        ledger = report.ledger
        var servicesOfTarget: [HealthTarget: [Int]] = [:]
        var indexOfService: [String: Int] = [:]
        for (index, spec) in state.services.enumerated() {
            indexOfService[spec.name] = index
            for target in Self.healthTargets(of: spec) { servicesOfTarget[target, default: []].append(index) }
        }
        self.indexOfService = indexOfService
        (virtualServicePositions, firstPosition) = Self.positions(
            of: planning.desired.virtualServices, services: state.services.count, indexOfService: indexOfService)
        self.servicesOfTarget = servicesOfTarget
        self.healthPorts = healthPorts
        packetFilter = planning.packetFilter ?? PacketFilterTally(state, kernel: planning.desired, node: node)
    }

    /// A counting sort of the desired virtual services' positions by the declared service each
    /// comes from.
    private static func positions(
        of virtualServices: [DesiredVirtualService], services: Int, indexOfService: [String: Int]
    ) -> (positions: [Int32], first: [Int32]) {
        let owners = virtualServices.map { indexOfService[$0.origin.serviceName] ?? -1 }
        var first = [Int32](repeating: 0, count: services + 1)
        for owner in owners where owner >= 0 { first[owner + 1] += 1 }
        for index in 0..<services { first[index + 1] += first[index] }
        var next = first
        var positions = [Int32](repeating: 0, count: Int(first[services]))
        for (position, owner) in owners.enumerated() where owner >= 0 {
            positions[Int(next[owner])] = Int32(position)
            next[owner] += 1
        }
        return (positions, first)
    }

    /// The positions in `lastAppliedDesired` of the desired virtual services of declared
    /// service `index`.
    func virtualServicePositions(ofService index: Int) -> ArraySlice<Int32> {
        virtualServicePositions[Int(firstPosition[index])..<Int(firstPosition[index + 1])]
    }

    /// The declared services (indices) whose selection `targets` feed, in declaration order.
    func services(of targets: Set<HealthTarget>) -> [Int] {
        var indices = Set<Int>()
        for target in targets { indices.formUnion(servicesOfTarget[target] ?? []) }
        return indices.sorted()
    }

    /// The services (indices) a new desired state edits, when it differs from this baseline's
    /// in services' contents only: the same services in the same order, each keeping its
    /// health-check node port, and everything outside the services unchanged. Nil otherwise;
    /// a full pass then plans it.
    ///
    /// When the source says what it edited since this baseline's generation, only those
    /// services are compared; otherwise every one.
    func editedServices(in new: SourceState) -> [Int]? {
        guard let edit = new.edit, edit.from == generation else { return editedServices(in: new.state) }
        guard state.services.count == new.state.services.count else { return nil }
        var edited: [Int] = []
        for name in edit.services {
            guard let index = indexOfService[name], new.state.services[index].name == name,
                state.services[index].healthCheckNodePort == new.state.services[index].healthCheckNodePort
            else { return nil }
            edited.append(index)
        }
        return edited.sorted()
    }

    /// ``editedServices(in:)`` by comparing every service.
    func editedServices(in new: DesiredState) -> [Int]? {
        let old = state
        guard old.services.count == new.services.count, old.equalsIgnoringServices(new) else { return nil }
        var edited: [Int] = []
        for (index, (before, after)) in zip(old.services, new.services).enumerated() where before != after {
            guard before.name == after.name, before.healthCheckNodePort == after.healthCheckNodePort else { return nil }
            edited.append(index)
        }
        return edited
    }

    /// Takes `new` (whose `edited` services differ from this baseline's state, as
    /// ``editedServices(in:)`` found) as the baseline's desired state.
    mutating func adopt(_ new: DesiredState, generation: UInt64, edited: [Int]) {
        for index in edited {
            for target in Self.healthTargets(of: state.services[index]) {
                servicesOfTarget[target]?.removeAll { $0 == index }
                if servicesOfTarget[target]?.isEmpty == true { servicesOfTarget[target] = nil }
            }
            for target in Self.healthTargets(of: new.services[index]) {
                var indices = servicesOfTarget[target, default: []]
                indices.insert(index, at: indices.firstIndex { $0 > index } ?? indices.endIndex)
                servicesOfTarget[target] = indices
            }
        }
        state = new
        self.generation = generation
    }

    /// The distinct targets whose verdicts feed a service's selection.
    static func healthTargets(of spec: ServiceSpec) -> Set<HealthTarget> {
        guard spec.healthCheck != nil || spec.endpoints.contains(where: { $0.healthCheck != nil }) else { return [] }
        return Set(spec.endpoints.compactMap { spec.healthTarget(of: $0) })
    }
}
