import Foundation
import IPVSCore
import KubernetesAPI

@testable import KubernetesMapping

/// Small constructors for API objects, so that each test shows only what it is about.
enum Build {
    static func service(
        _ name: String = "svc", namespace: String = "ns", type: String? = nil, clusterIP: String? = "10.96.0.1",
        clusterIPs: [String]? = nil, ports: [KubernetesService.Port] = [tcp("http", 80)],
        externalIPs: [String]? = nil, ingress: [LoadBalancerIngress]? = nil,
        internalPolicy: String? = nil, externalPolicy: String? = nil,
        healthCheckNodePort: Int? = nil, affinity: String? = nil, affinityTimeout: Int? = nil,
        annotations: [String: String]? = nil
    ) -> KubernetesService {
        KubernetesService(
            metadata: ObjectMeta(name: name, namespace: namespace, annotations: annotations),
            spec: KubernetesService.Spec(
                type: type, clusterIP: clusterIP, clusterIPs: clusterIPs, ports: ports, externalIPs: externalIPs,
                sessionAffinity: affinity,
                sessionAffinityConfig: affinityTimeout.map { .init(clientIP: .init(timeoutSeconds: $0)) },
                externalTrafficPolicy: externalPolicy, internalTrafficPolicy: internalPolicy,
                healthCheckNodePort: healthCheckNodePort),
            status: ingress.map { ServiceStatus(loadBalancer: LoadBalancerStatus(ingress: $0)) })
    }

    static func tcp(_ name: String?, _ port: Int, nodePort: Int? = nil, protocol proto: String = "TCP") -> KubernetesService.Port {
        KubernetesService.Port(name: name, protocol: proto, port: port, targetPort: name.map { .string($0) }, nodePort: nodePort)
    }

    static func slice(
        _ name: String, service: String? = "svc", namespace: String = "ns", addressType: String = "IPv4",
        ports: [EndpointSlice.Port] = [port("http", 8080)], endpoints: [EndpointSlice.Endpoint]
    ) -> EndpointSlice {
        EndpointSlice(
            metadata: ObjectMeta(
                name: name, namespace: namespace,
                labels: service.map { [WellKnownLabel.serviceName: $0] } ?? [:]),
            addressType: addressType, endpoints: endpoints, ports: ports)
    }

    static func port(_ name: String?, _ number: Int?, protocol proto: String? = "TCP") -> EndpointSlice.Port {
        EndpointSlice.Port(name: name, protocol: proto, port: number)
    }

    static func endpoint(
        _ address: String, node: String? = nil, zone: String? = nil, ready: Bool? = nil, serving: Bool? = nil,
        terminating: Bool? = nil, forZones: [String]? = nil, forNodes: [String]? = nil
    ) -> EndpointSlice.Endpoint {
        let conditions =
            ready == nil && serving == nil && terminating == nil
            ? nil : EndpointSlice.Conditions(ready: ready, serving: serving, terminating: terminating)
        let hints =
            forZones == nil && forNodes == nil
            ? nil : EndpointSlice.Hints(forNodes: forNodes?.map { .init(name: $0) }, forZones: forZones?.map { .init(name: $0) })
        return EndpointSlice.Endpoint(addresses: [address], conditions: conditions, nodeName: node, zone: zone, hints: hints)
    }

    static func node(
        _ name: String = "this", zone: String? = nil, addresses: [(String, String)] = [("InternalIP", "192.0.2.1")],
        podCIDRs: [String]? = nil, podCIDR: String? = nil
    ) -> KubernetesNode {
        KubernetesNode(
            metadata: ObjectMeta(name: name, labels: zone.map { [WellKnownLabel.zone: $0] }),
            spec: podCIDRs == nil && podCIDR == nil ? nil : .init(podCIDRs: podCIDRs, podCIDR: podCIDR),
            status: .init(addresses: addresses.map { .init(type: $0.0, address: $0.1) }))
    }

    static func map(
        _ services: [KubernetesService], _ slices: [EndpointSlice] = [], node: KubernetesNode? = node(),
        defaults: ServiceDefaults = ServiceDefaults(), base: DesiredState = DesiredState()
    ) -> MappingResult {
        var base = base
        base.defaults = defaults
        return KubernetesMapping.map(ClusterSnapshot(services: services, slices: slices, node: node), nodeName: "this", base: base)
    }

    static func ip(_ text: String) -> IPAddress { IPAddress(text)! }

    static func decode<Value: Decodable>(_ type: Value.Type, _ json: String) throws -> Value {
        try JSONDecoder().decode(type, from: Data(json.utf8))
    }
}

extension MappingResult {
    func service(_ name: String) -> ServiceSpec? { state.services.first { $0.name == name } }
    func skipped(_ key: String) -> [SkipReason] { skipped.filter { $0.key == key }.map(\.reason) }
}
