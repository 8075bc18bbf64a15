import IPVSCore

/// What each `healthCheckNodePort` answers, from one reconcile's selection: the count of this
/// node's distinct endpoint addresses its external virtual services use (kube-proxy counts
/// unique ready local endpoints), 503 at zero.
enum HealthPortProjection {
    static func status(of state: DesiredState, desired: DesiredKernelState, node: String) -> [UInt16: HealthPortStatus] {
        var ports: [UInt16: HealthPortStatus] = [:]
        for spec in state.services {
            guard let port = spec.healthCheckNodePort else { continue }
            let localAddresses = Set(spec.endpoints.filter { $0.node == node }.map(\.address))
            var serving = Set<IPAddress>()
            for service in desired.virtualServices where service.origin.serviceName == spec.name && service.origin.scope == .external {
                serving.formUnion(service.realServers.map(\.address).filter(localAddresses.contains))
                serving.formUnion(service.heldRealServers.map(\.address).filter(localAddresses.contains))
            }
            ports[port] = HealthPortStatus(serviceName: spec.name, localEndpoints: serving.count)
        }
        return ports
    }
}
