import IPVSCore

/// The endpoints of one Service, joined from its slices the way kube-proxy's endpoint-slice
/// cache does it, port by port: a slice port serves the Service port of the same name and
/// protocol; an endpoint is its address with that slice port's number; an address:port listed
/// twice (an endpoint moving between slices, or a new pod reusing a terminating pod's IP)
/// keeps its non-terminating copy.
enum EndpointJoin {
    /// One endpoint per address and set of port numbers, each with `targetPorts` for the
    /// Service ports it serves. `servicePorts` are (name, protocol), `""` for the unnamed port.
    static func endpoints(of slices: [ReadSlice], servicePorts: [(name: String, protocol: TransportProtocol)]) -> [EndpointSpec] {
        var joined: [EndpointSpec] = []
        // Where each endpoint (as read, without ports) stands in `joined`.
        var places: [EndpointSpec: [Int]] = [:]
        for servicePort in servicePorts {
            // The endpoints of a port nearly all have the same number: one map for each number,
            // which they share, rather than a dictionary for every endpoint (10 MB at 100,000).
            var maps: [UInt16: [String: UInt16]] = [:]
            for (target, endpoint) in candidates(slices, name: servicePort.name, protocol: servicePort.protocol) {
                // An endpoint that already serves another port takes this one too, unless it
                // has it already with another number (then the address appears twice).
                if let index = places[endpoint]?.first(where: { joined[$0].targetPorts?[servicePort.name] == nil }) {
                    joined[index].targetPorts?[servicePort.name] = target.port
                } else {
                    places[endpoint, default: []].append(joined.count)
                    var added = endpoint
                    added.targetPorts = maps[target.port, default: [servicePort.name: target.port]]
                    maps[target.port] = added.targetPorts
                    joined.append(added)
                }
            }
        }
        return servicePorts.count > 1 ? sharingEqualMaps(joined) : joined
    }

    /// The endpoints with equal port maps sharing one: those of a Service with several ports
    /// were each given their own as the ports were added.
    private static func sharingEqualMaps(_ endpoints: [EndpointSpec]) -> [EndpointSpec] {
        var shared: Set<[String: UInt16]> = []
        return endpoints.map { endpoint in
            guard let ports = endpoint.targetPorts else { return endpoint }
            var sharing = endpoint
            sharing.targetPorts = shared.insert(ports).memberAfterInsert
            return sharing
        }
    }

    /// The endpoints of one Service port by address:port, in a stable order.
    private static func candidates(
        _ slices: [ReadSlice], name: String, protocol proto: TransportProtocol
    )
        -> [(key: RealServerKey, value: EndpointSpec)]
    {
        var byTarget: [RealServerKey: EndpointSpec] = [:]
        for slice in slices {
            for port in slice.ports where port.name == name && port.protocol == proto {
                for endpoint in slice.endpoints {
                    let target = RealServerKey(address: endpoint.address, port: port.number)
                    if byTarget[target] == nil || !endpoint.terminating {
                        byTarget[target] = endpoint
                    }
                }
            }
        }
        return byTarget.sorted { $0.key < $1.key }
    }
}
