import IPVSCore

/// The per-service series that follow endpoint selection (blackholed, fallback, panic, endpoint
/// health) and the counts by outcome: recorded whole after a full pass, and for the services an
/// event touched after a scoped one.
extension AgentMetrics {
    /// Records what a reconcile selected. Public for the benchmarks, which render the
    /// per-service series of a large table without running the loop.
    public func recordSelection(_ desired: DesiredKernelState, health: HealthView?, state: DesiredState, node: String) {
        let series = SelectionSeries(desired.virtualServices, specs: state.services, health: health, node: node)
        var outcomes: [PolicyOutcomeLabels: Double] = [:]
        for scope in TrafficPolicyScope.allCases {
            for outcome in SelectionOutcome.allCases { outcomes[PolicyOutcomeLabels(scope: scope, outcome: outcome)] = 0 }
        }
        for service in desired.virtualServices { outcomes[PolicyOutcomeLabels(service), default: 0] += 1 }
        serviceBlackholed.replace(with: series.blackholed)
        serviceFallback.replace(with: series.fallback)
        servicePanicking.replace(with: series.panicking)
        endpointHealth.replace(with: series.endpoints)
        virtualServicesByOutcome.replace(with: outcomes)
        for scope in TrafficPolicyScope.allCases {
            blackholedCount(scope).set(Double(desired.count(.blackholed, scope: scope)))
            fallbackCount(scope).set(Double(desired.count(.fallback, scope: scope)))
        }
    }

    /// Records a scoped pass's selection: `specs` were selected again, their virtual services
    /// went from `old` to `new`. Only their series change; counts move by the difference.
    func recordSelection(
        of specs: [ServiceSpec], from old: [DesiredVirtualService], to new: [DesiredVirtualService], health: HealthView?, node: String
    ) {
        let before = SelectionSeries(old, specs: specs, health: health, node: node)
        let after = SelectionSeries(new, specs: specs, health: health, node: node)
        serviceBlackholed.update(removing: before.blackholed.keys, setting: after.blackholed)
        serviceFallback.update(removing: before.fallback.keys, setting: after.fallback)
        servicePanicking.update(removing: before.panicking.keys, setting: after.panicking)
        endpointHealth.update(removing: before.endpoints.keys, setting: after.endpoints)
        var outcomes: [PolicyOutcomeLabels: Double] = [:]
        for service in old { outcomes[PolicyOutcomeLabels(service), default: 0] -= 1 }
        for service in new { outcomes[PolicyOutcomeLabels(service), default: 0] += 1 }
        virtualServicesByOutcome.adjust(by: outcomes)
        for scope in TrafficPolicyScope.allCases {
            let blackholed = new.count { $0.outcome == .blackholed && $0.origin.scope == scope }
            let fallback = new.count { $0.outcome == .fallback && $0.origin.scope == scope }
            blackholedCount(scope).increment(by: Double(blackholed - old.count { $0.outcome == .blackholed && $0.origin.scope == scope }))
            fallbackCount(scope).increment(by: Double(fallback - old.count { $0.outcome == .fallback && $0.origin.scope == scope }))
        }
    }
}

/// The per-service series of some virtual services and the declared services they come from.
struct SelectionSeries {
    var blackholed: [ServicePolicyLabels: Double] = [:]
    var fallback: [ServicePolicyLabels: Double] = [:]
    var panicking: [ServiceLabels: Double] = [:]
    /// Health-checked endpoints per service and verdict.
    var endpoints: [ServiceVerdictLabels: Double] = [:]

    init(_ services: [DesiredVirtualService], specs: [ServiceSpec], health: HealthView?, node: String) {
        for service in services {
            let labels = ServicePolicyLabels(service: service.origin.serviceName, scope: service.origin.scope)
            blackholed[labels] = max(blackholed[labels] ?? 0, service.outcome == .blackholed ? 1 : 0)
            fallback[labels] = max(fallback[labels] ?? 0, service.outcome == .fallback ? 1 : 0)
            if service.panicking { panicking[ServiceLabels(service: service.origin.serviceName)] = 1 }
        }
        guard let health else { return }
        for spec in specs {
            var counts: [HealthVerdict: Int] = [:]
            for endpoint in spec.endpointsToCheck(node: node) {
                guard let target = spec.healthTarget(of: endpoint) else { continue }
                counts[health[target], default: 0] += 1
            }
            guard !counts.isEmpty else { continue }
            for verdict in HealthVerdict.allCases {
                endpoints[ServiceVerdictLabels(service: spec.name, verdict: verdict)] = Double(counts[verdict] ?? 0)
            }
        }
    }
}

extension PolicyOutcomeLabels {
    /// The series a virtual service counts in.
    init(_ service: DesiredVirtualService) {
        self.init(scope: service.origin.scope, outcome: service.outcome)
    }
}
