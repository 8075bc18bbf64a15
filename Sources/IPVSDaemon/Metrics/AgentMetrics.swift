import HealthChecking
import IPVSCore
import Prometheus
import Reconciler

/// Every metric the agent keeps, under the `ipvsctl_` prefix. Cardinality is O(services): per
/// service series for what users must see (blackholed, fallback, panic, endpoint health), plain
/// counters for the rest. Traffic counters are read from the kernel at scrape time
/// (``TrafficExposition``).
public final class AgentMetrics: Sendable {
    public let registry: PrometheusCollectorRegistry

    let reconcileDuration: DurationHistogram
    let changeToKernel: DurationHistogram
    let verdictToKernel: DurationHistogram
    let scopedReconciles: Counter
    let lastSuccess: Gauge
    let driftRepaired: Counter
    let foreignServices: Gauge
    let foreignAddresses: Gauge
    let collisions: Gauge
    let drains: Gauge
    let configLastReloadSuccessful: Gauge
    let checkerStalled: Gauge
    let healthTargets: Gauge

    let serviceBlackholed: LabeledGauges<ServicePolicyLabels>
    let serviceFallback: LabeledGauges<ServicePolicyLabels>
    let servicePanicking: LabeledGauges<ServiceLabels>
    let endpointHealth: LabeledGauges<ServiceVerdictLabels>
    let virtualServicesByOutcome: LabeledGauges<PolicyOutcomeLabels>

    // The pass histograms reach two minutes: a full pass at 10,000 services takes about 30 s
    // on a slow node, and a change waits for the pass under way.
    public init(registry: PrometheusCollectorRegistry = PrometheusCollectorRegistry(), version: String) {
        self.registry = registry
        registry.gauge("ipvsctl_build_info", "Always 1; the version label says which build runs.", labels: [("version", version)]).set(
            to: 1)
        reconcileDuration = registry.makeDurationHistogram(
            descriptor: MetricNameDescriptor(
                metricName: "ipvsctl_reconcile_duration_seconds", unitName: "",
                helpText: "Time of one reconcile: read, plan, apply."),
            buckets: [
                .milliseconds(5), .milliseconds(25), .milliseconds(100), .milliseconds(250), .milliseconds(500),
                .seconds(1), .seconds(2.5), .seconds(5), .seconds(10), .seconds(30), .seconds(60), .seconds(120),
            ])
        changeToKernel = registry.makeDurationHistogram(
            descriptor: MetricNameDescriptor(
                metricName: "ipvsctl_desired_change_to_kernel_seconds", unitName: "",
                helpText:
                    "From a change of the desired state (a Kubernetes event, a config file edit) arriving to the end of the kernel write it caused."
            ),
            buckets: [
                .milliseconds(10), .milliseconds(50), .milliseconds(100), .milliseconds(250), .milliseconds(500),
                .seconds(1), .seconds(2.5), .seconds(5), .seconds(10), .seconds(30), .seconds(60), .seconds(120),
            ])
        verdictToKernel = registry.makeDurationHistogram(
            descriptor: MetricNameDescriptor(
                metricName: "ipvsctl_health_verdict_to_kernel_seconds", unitName: "",
                helpText: "From a health verdict changing to the end of the kernel write it caused."),
            buckets: [
                .milliseconds(1), .milliseconds(5), .milliseconds(10), .milliseconds(50), .milliseconds(100), .milliseconds(250),
                .milliseconds(500), .seconds(1), .seconds(2.5), .seconds(5), .seconds(10),
            ])
        scopedReconciles = registry.counter(
            "ipvsctl_scoped_reconciles_total",
            "Passes after health verdicts that planned only the services those verdicts touched, against the table as last read plus our writes."
        )
        lastSuccess = registry.gauge(
            "ipvsctl_reconcile_last_success_timestamp_seconds", "Unix time of the last reconcile that applied everything.")
        driftRepaired = registry.counter(
            "ipvsctl_reconcile_drift_repaired_total",
            "Changes made to owned objects that someone else altered while the desired state stood still.")
        foreignServices = registry.gauge(
            "ipvsctl_foreign_virtual_services", "Virtual services in the table that are not ours (never touched).")
        foreignAddresses = registry.gauge("ipvsctl_foreign_addresses", "Addresses on our interface that are not ours (never touched).")
        collisions = registry.gauge("ipvsctl_collisions", "Desired virtual services held by someone else (not adopted).")
        drains = registry.gauge("ipvsctl_draining_real_servers", "Real servers at weight 0 waiting for their connections to end.")
        configLastReloadSuccessful = registry.gauge(
            "ipvsctl_config_last_reload_successful",
            "1 when the last config load succeeded, 0 when the last good config stays in force.")
        // The agent starts only from a config that loaded: nothing rejected is on disk yet.
        configLastReloadSuccessful.set(to: 1)
        checkerStalled = registry.gauge("ipvsctl_health_checker_stalled", "1 when the health checker's loop has stopped running.")
        healthTargets = registry.gauge(
            "ipvsctl_health_check_targets", "Distinct targets probed (shared by every service that declares them).")
        serviceBlackholed = LabeledGauges(
            name: "ipvsctl_service_blackholed",
            help: "1 when the service refuses traffic on this node: traffic policy Local and no usable local endpoint.")
        serviceFallback = LabeledGauges(
            name: "ipvsctl_service_fallback",
            help: "1 when a PreferLocal service sends to other nodes for want of a local endpoint.")
        servicePanicking = LabeledGauges(
            name: "ipvsctl_service_health_panic",
            help: "1 when more endpoints failed than the panic threshold allows, so all are kept.")
        endpointHealth = LabeledGauges(
            name: "ipvsctl_service_endpoints",
            help: "Health-checked endpoints of a service on this node, by verdict.")
        virtualServicesByOutcome = LabeledGauges(
            name: "ipvsctl_virtual_services",
            help: "Desired virtual services by traffic policy scope and outcome of endpoint selection.")
        // The counts kube-proxy calls sync_proxy_rules_no_local_endpoints_total, zero included.
        for scope in TrafficPolicyScope.allCases {
            blackholedCount(scope).set(to: 0)
            fallbackCount(scope).set(to: 0)
        }
    }

    func blackholedCount(_ scope: TrafficPolicyScope) -> Gauge {
        registry.gauge(
            "ipvsctl_blackholed_services",
            "Virtual services refusing traffic for want of a local endpoint, per traffic policy (kube-proxy's no_local_endpoints).",
            labels: [("traffic_policy", scope.rawValue)])
    }

    func fallbackCount(_ scope: TrafficPolicyScope) -> Gauge {
        registry.gauge(
            "ipvsctl_fallback_services", "PreferLocal virtual services using other nodes' endpoints, per traffic policy.",
            labels: [("traffic_policy", scope.rawValue)])
    }

    func reconciles(trigger: ReconcileTrigger, result: AttemptResult) -> Counter {
        registry.counter(
            "ipvsctl_reconciles_total", "Reconciles by what triggered them and how they ended.",
            labels: [("trigger", trigger.rawValue), ("result", result.rawValue)])
    }

    func kernelCommands(_ kind: String) -> Counter {
        registry.counter("ipvsctl_kernel_commands_total", "Changes sent to the kernel, by kind.", labels: [("kind", kind)])
    }

    func errors(_ kind: ReconcileErrorKind) -> Counter {
        registry.counter(
            "ipvsctl_reconcile_errors_total", "Reconcile errors by kind: read, apply, ledger, guard, command.",
            labels: [("kind", kind.rawValue)])
    }

    func configReloads(_ result: AttemptResult) -> Counter {
        registry.counter(
            "ipvsctl_config_reloads_total", "Config loads after start, by result; a failure keeps the last good config.",
            labels: [("result", result.rawValue)])
    }

    /// Probes by kind and result: `success`, or the failure's kind.
    func healthChecks(kind: HealthCheck.Probe.Kind, failure: ProbeFailure.Kind?) -> Counter {
        registry.counter(
            "ipvsctl_health_checks_total", "Probes by kind and result.",
            labels: [("kind", kind.rawValue), ("result", failure?.rawValue ?? "success")])
    }

    func healthTransitions(to verdict: HealthVerdict) -> Counter {
        registry.counter(
            "ipvsctl_health_transitions_total", "Verdict changes of health-checked targets, by the new verdict.",
            labels: [("to", verdict.rawValue)])
    }

    /// The per-service families, kept out of the registry (``LabeledGauges`` says why).
    var labeledFamilies: [any RenderedFamily] {
        [serviceBlackholed, serviceFallback, servicePanicking, endpointHealth, virtualServicesByOutcome]
    }

    /// The Prometheus text of everything in the registry, then of the per-service families.
    public func render() -> [UInt8] {
        var buffer = registry.emitToBuffer()
        for family in labeledFamilies { family.render(into: &buffer) }
        return buffer
    }
}

extension AgentMetrics {
    /// Records what an apply did.
    func recordApply(_ planning: Reconciler.Planning, report: Reconciler.Report, drift: Int) {
        recordCommands(report)
        if drift > 0 { driftRepaired.increment(by: Int64(drift)) }
        foreignServices.set(Double(planning.plan.foreign.count))
        foreignAddresses.set(Double(planning.plan.foreignAddresses.count))
        collisions.set(Double(planning.plan.collisions.count))
    }

    /// Counts the commands an apply sent and those the kernel refused.
    func recordCommands(_ report: Reconciler.Report) {
        for change in report.applied { kernelCommands(change.metricKind).increment() }
        for _ in report.failures { errors(.command).increment() }
    }
}

extension Change {
    /// The `kind` label of `ipvsctl_kernel_commands_total`.
    var metricKind: String {
        switch self {
        case .createVirtualService: "create_virtual_service"
        case .updateVirtualService: "update_virtual_service"
        case .deleteVirtualService: "delete_virtual_service"
        case .createRealServer: "create_real_server"
        case .updateRealServer: "update_real_server"
        case .drainRealServer: "drain_real_server"
        case .deleteRealServer: "delete_real_server"
        case .addAddress: "add_address"
        case .removeAddress: "remove_address"
        case .setTimeouts: "set_timeouts"
        case .setSysctl: "set_sysctl"
        case .createPacketFilter: "create_packet_filter"
        case .repairPacketFilter: "repair_packet_filter"
        case .deletePacketFilter: "delete_packet_filter"
        case .addFilterElement: "add_filter_element"
        case .deleteFilterElement: "delete_filter_element"
        }
    }
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
