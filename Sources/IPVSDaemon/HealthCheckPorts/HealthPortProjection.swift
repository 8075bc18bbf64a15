import IPVSCore

/// What each `healthCheckNodePort` answers, from one reconcile's selection: the count of this
/// node's distinct endpoint addresses its external virtual services use (kube-proxy counts
/// unique ready local endpoints), 503 at zero.
enum HealthPortProjection {
    static func status(of state: DesiredState, desired: DesiredKernelState, node: String) -> [UInt16: HealthPortStatus] {
        status(of: state.services, virtualServices: desired.virtualServices, node: node)
    }

    /// The ports of `specs` only, from their virtual services (a scoped pass's).
    static func status(of specs: [ServiceSpec], virtualServices: [DesiredVirtualService], node: String) -> [UInt16: HealthPortStatus] {
        let withPorts = specs.filter { $0.healthCheckNodePort != nil }
        guard !withPorts.isEmpty else { return [:] }
        let names = Set(withPorts.map(\.name))
        let external = Dictionary(
            grouping: virtualServices.filter { $0.origin.scope == .external && names.contains($0.origin.serviceName) },
            by: \.origin.serviceName)
        var ports: [UInt16: HealthPortStatus] = [:]
        for spec in withPorts {
            guard let port = spec.healthCheckNodePort else { continue }
            let localAddresses = Set(spec.endpoints.filter { $0.node == node }.map(\.address))
            var serving = Set<IPAddress>()
            for service in external[spec.name] ?? [] {
                serving.formUnion(service.realServers.map(\.address).filter(localAddresses.contains))
                serving.formUnion(service.heldRealServers.map(\.address).filter(localAddresses.contains))
            }
            ports[port] = HealthPortStatus(serviceName: spec.name, localEndpoints: serving.count)
        }
        return ports
    }
}
