import IPVSCore
import Reconciler

extension ReconcileLoop {
    /// One pass's result: whether everything was applied, and what the health ports answer.
    typealias PassResult = (succeeded: Bool, healthPorts: [UInt16: HealthPortStatus]?)

    /// A pass planned against the baseline the last pass left, for the services the change
    /// touched only: those whose health verdicts changed and, when the desired state is new,
    /// those it edits. Nothing is read from the kernel, so the pass costs what the change
    /// costs, not what the table does. Runs on the pass's thread.
    ///
    /// Returns nil when it cannot stand in for a full pass (no baseline, a desired state that
    /// adds, removes or reorders services or changes more than services, virtual services that
    /// would appear or go, a guard that objects); the caller runs one.
    func reconcileScoped(_ current: SourceState, trigger: ReconcileTrigger, changes: VerdictChanges) -> PassResult? {
        guard var baseline = takeBaseline() else { return nil }
        let started = ContinuousClock.now
        let state = current.state
        // The baseline's indices hold for the new state too: it has the same services in order.
        var indices = Set(baseline.services(of: changes.targets))
        if baseline.generation != current.generation {
            guard let edited = baseline.editedServices(in: current) else { return nil }
            refreshHealthTargets(current, edited: edited, previous: baseline.state)
            baseline.adopt(state, generation: current.generation, edited: edited)
            indices.formUnion(edited)
        }
        guard !indices.isEmpty else {
            memory.withLock { $0.baseline = baseline }
            return (true, baseline.healthPorts)
        }
        let ordered = indices.sorted()
        let specs = ordered.map { state.services[$0] }
        let targets = specs.reduce(into: Set<HealthTarget>()) { $0.formUnion(PassBaseline.healthTargets(of: $1)) }
        let view = health?.view(of: targets)
        var touched = state
        touched.services = specs
        let selected = EndpointSelection.select(touched, node: configuration.node, health: view).virtualServices
        let positions = ordered.flatMap { baseline.virtualServicePositions(ofService: $0) }
        let applied = memory.withLock { memory in
            memory.lastAppliedDesired.map { desired in positions.map { desired.virtualServices[Int($0)] } }
        }
        guard let old = applied else { return nil }
        // A verdict or an edit in scope changes which real servers a virtual service has and
        // how, never which virtual services exist; if it seems to, the full pass decides.
        let positionOfKey = Dictionary(zip(old.map(\.service.key), positions), uniquingKeysWith: { first, _ in first })
        guard old.count == selected.count, positionOfKey.count == old.count, selected.allSatisfy({ positionOfKey[$0.service.key] != nil })
        else { return nil }
        // The real servers that changed may change our netfilter table: elements are sent with
        // the IPVS commands; making or deleting the table, or masquerading starting or ending
        // (a kernel setting follows it), is a full pass's work.
        let masqueraded = baseline.packetFilter.filter.masquerades
        let filterChanges = baseline.packetFilter.replace(old, with: selected)
        guard baseline.packetFilter.filter.masquerades == masqueraded else { return nil }
        if !filterChanges.isEmpty && reconciler.managesPacketFilter {
            guard baseline.ledger.packetFilter, !baseline.packetFilter.filter.isEmpty else { return nil }
        }
        let planning = reconciler.planServices(
            selected, mirror: baseline.mirror, ledger: baseline.ledger, packetFilterChanges: filterChanges,
            options: options(interface: state.interface))
        guard planning.violations.isEmpty else { return nil }
        // Whether a removed real server goes at once (idle) or drains (busy) is decided by its
        // connection counts, which the mirror holds only as of the last full read: a removal
        // that a drain could keep is a full pass's work. (A failed one goes regardless.)
        let drainable = Dictionary(uniqueKeysWithValues: selected.filter { ($0.drainSeconds ?? 0) > 0 }.map { ($0.service.key, $0) })
        let removesDrainable = planning.plan.changes.contains { change in
            guard case .deleteRealServer(let real, let service) = change, let want = drainable[service] else { return false }
            return !want.failedRealServers.contains(real.server.key)
        }
        guard !removesDrainable else { return nil }
        defer { metrics.reconcileDuration.record(ContinuousClock.now - started) }

        guard let report = apply(planning, interface: state.interface) else {
            schedule(after: false)
            return (false, baseline.healthPorts)
        }
        metrics.recordCommands(report)
        metrics.scopedReconciles.increment()
        metrics.recordSelection(of: specs, from: old, to: selected, health: view, node: configuration.node)
        if healthPorts != nil {
            baseline.healthPorts?.merge(HealthPortProjection.status(of: specs, virtualServices: selected, node: configuration.node)) { $1 }
        }
        let succeeded = report.failures.isEmpty
        baseline.mirror.record(report.applied)
        baseline.ledger = report.ledger
        memory.withLock { memory in
            memory.drainsUnderway = !report.ledger.drains.isEmpty
            // A refused change leaves the mirror unsure: the next pass reads the kernel.
            guard succeeded else { return }
            for service in selected {
                if let position = positionOfKey[service.service.key] { memory.lastAppliedDesired?.virtualServices[Int(position)] = service }
            }
            memory.baseline = baseline
        }
        metrics.drains.set(Double(report.ledger.drains.count))
        if let since = changes.since { metrics.verdictToKernel.record(ContinuousClock.now - since) }
        if let since = current.changedSince { metrics.changeToKernel.record(ContinuousClock.now - since) }
        if !report.applied.isEmpty {
            logger.info(
                "reconciled",
                metadata: [
                    "trigger": "\(trigger.rawValue)", "scope": "services", "services": "\(specs.count)",
                    "applied": "\(report.applied.count)", "failed": "\(report.failures.count)",
                    "kernelCommands": "\(report.kernelCommands)",
                ])
        }
        if succeeded { metrics.lastSuccess.set(Double(Self.unixTime())) }
        schedule(after: succeeded)
        return (succeeded, baseline.healthPorts)
    }

    /// The baseline, taken out of the loop's memory so that the pass owns it (and changes it in
    /// place); a pass that succeeds puts it back.
    func takeBaseline() -> PassBaseline? {
        memory.withLock { memory in
            defer { memory.baseline = nil }
            return memory.baseline
        }
    }
}
