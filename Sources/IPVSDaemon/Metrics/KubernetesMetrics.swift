import KubernetesAPI
import KubernetesClient
import Prometheus

/// The collections the Kubernetes source watches, as metrics label them.
public enum KubernetesResource: String, Hashable, Sendable, CaseIterable {
    case services
    case endpointSlices = "endpointslices"
    case nodes
}

/// The Kubernetes source's metrics, under `ipvsctl_kubernetes_`: whether and when the local copy
/// was last in sync, how often watches restarted and collections were listed again (and why),
/// the objects known, the events seen, and the objects that could not be used.
public final class KubernetesMetrics: Sendable {
    let registry: PrometheusCollectorRegistry

    public init(registry: PrometheusCollectorRegistry) {
        self.registry = registry
        for resource in KubernetesResource.allCases {
            objects(resource).set(to: 0)
            lastSync(resource).set(to: 0)
        }
        synced.set(to: 0)
        skippedObjects.set(to: 0)
        annotationProblems.set(to: 0)
    }

    var synced: Gauge {
        registry.gauge("ipvsctl_kubernetes_synced", "1 once every collection has been listed completely; the agent is ready only then.")
    }

    var skippedObjects: Gauge {
        registry.gauge(
            "ipvsctl_kubernetes_skipped_objects",
            "Services, EndpointSlices or endpoints left out of the desired state because they are malformed (each logged).")
    }

    var annotationProblems: Gauge {
        registry.gauge(
            "ipvsctl_kubernetes_annotation_problems",
            "Annotations of ours that could not be used; their Services take the defaults instead (each logged).")
    }

    func objects(_ resource: KubernetesResource) -> Gauge {
        registry.gauge(
            "ipvsctl_kubernetes_objects", "Objects in the local copy of each collection.", labels: [("resource", resource.rawValue)])
    }

    func lastSync(_ resource: KubernetesResource) -> Gauge {
        registry.gauge(
            "ipvsctl_kubernetes_last_sync_timestamp_seconds",
            "Unix time the local copy of a collection was last known current: a complete list, an event or a bookmark.",
            labels: [("resource", resource.rawValue)])
    }

    func observer(_ resource: KubernetesResource) -> ResourceObserver {
        ResourceObserver(resource: resource, metrics: self)
    }

    /// One collection's reflector, counted.
    struct ResourceObserver: ReflectorObserver {
        let resource: KubernetesResource
        let metrics: KubernetesMetrics

        func relisted(reason: RelistReason) {
            metrics.registry.counter(
                "ipvsctl_kubernetes_relists_total", "Lists from scratch after the first, by collection and reason.",
                labels: [("resource", resource.rawValue), ("reason", reason.rawValue)]
            ).increment()
        }

        func watchRestarted(reason: WatchRestartReason) {
            metrics.registry.counter(
                "ipvsctl_kubernetes_watch_restarts_total", "Watches that ended and were started again, by collection and reason.",
                labels: [("resource", resource.rawValue), ("reason", reason.rawValue)]
            ).increment()
        }

        func eventReceived(type: WatchEventType) {
            metrics.registry.counter(
                "ipvsctl_kubernetes_events_total", "Watch events by collection and type.",
                labels: [("resource", resource.rawValue), ("type", type.rawValue)]
            ).increment()
            metrics.lastSync(resource).set(Double(ReconcileLoop.unixTime()))
        }

        func objectRejected(_ rejected: RejectedObject) {
            metrics.registry.counter(
                "ipvsctl_kubernetes_rejected_objects_total", "Objects that could not be decoded and were skipped, by collection.",
                labels: [("resource", resource.rawValue)]
            ).increment()
        }

        func synced() {
            metrics.lastSync(resource).set(Double(ReconcileLoop.unixTime()))
        }
    }
}
