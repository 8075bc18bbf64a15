import IPVSCore
import KubernetesAPI

/// An EndpointSlice with its values checked: what joins a Service.
struct ReadSlice {
    /// `namespace/name` of the Service it belongs to.
    var serviceKey: String
    var ports: [ReadSlicePort]
    var endpoints: [EndpointSpec]
}

/// A slice port, joined to a Service port by name and protocol.
struct ReadSlicePort: Hashable {
    /// `""` for the unnamed port.
    var name: String
    var `protocol`: TransportProtocol
    var number: UInt16
}

extension ReadSlice {
    /// The slice as the mapping uses it; nil when it is left out whole (reported in `log`).
    /// A bad port or endpoint leaves out that port or endpoint only. The endpoints on one node
    /// share their placement through `placements`.
    init?(_ slice: EndpointSlice, placements: inout EndpointPlacements, log: inout SkipLog) {
        let key = slice.metadata.key
        guard let serviceName = slice.metadata.labels?[WellKnownLabel.serviceName], !serviceName.isEmpty else {
            log.skip(.endpointSlice, key, .missingServiceNameLabel)
            return nil
        }
        guard let addressType = SliceAddressType(rawValue: slice.addressType ?? "") else {
            log.skip(.endpointSlice, key, field: "addressType", .unknownAddressType(slice.addressType ?? ""))
            return nil
        }
        guard let family = addressType.family else {
            log.skip(.endpointSlice, key, .fqdnAddresses)
            return nil
        }
        serviceKey = ObjectMeta(name: serviceName, namespace: slice.metadata.namespace).key
        ports = (slice.ports ?? []).enumerated().compactMap { index, port in
            Self.port(port, field: "ports[\(index)]", key: key, log: &log)
        }
        endpoints = (slice.endpoints ?? []).enumerated().compactMap { index, endpoint in
            Self.endpoint(
                endpoint, family: family, field: "endpoints[\(index)]", key: key, placements: &placements, log: &log)
        }
    }

    private static func port(_ port: EndpointSlice.Port, field: String, key: String, log: inout SkipLog) -> ReadSlicePort? {
        guard let proto = transportProtocol(port.protocol) else {
            log.skip(.endpointSlice, key, field: field, .unknownProtocol(port.protocol ?? ""))
            return nil
        }
        // An absent port would mean "every port", which no proxy implements (nor does kube-proxy).
        guard let value = port.port, value != 0 else {
            log.skip(.endpointSlice, key, field: field, .missingPort)
            return nil
        }
        guard let number = portNumber(value) else {
            log.skip(.endpointSlice, key, field: field, .outOfRange(value, 1...65535))
            return nil
        }
        return ReadSlicePort(name: port.name ?? "", protocol: proto, number: number)
    }

    /// Only the first address counts: the API says they are fungible, and kube-proxy uses it alone.
    private static func endpoint(
        _ endpoint: EndpointSlice.Endpoint, family: AddressFamily, field: String, key: String,
        placements: inout EndpointPlacements, log: inout SkipLog
    ) -> EndpointSpec? {
        guard let text = endpoint.addresses?.first else {
            log.skip(.endpointSlice, key, field: field, .missingAddress)
            return nil
        }
        guard let address = IPAddress(text) else {
            log.skip(.endpointSlice, key, field: field, .badAddress(text))
            return nil
        }
        guard address.family == family else {
            log.skip(.endpointSlice, key, field: field, .addressFamilyMismatch(text))
            return nil
        }
        let conditions = endpoint.conditions
        return EndpointSpec(
            address: address, placement: placements.placement(node: endpoint.nodeName, zone: endpoint.zone),
            ready: conditions?.ready ?? true, serving: conditions?.serving ?? true,
            terminating: conditions?.terminating ?? false,
            hints: endpoint.hints.map { hints in
                TopologyHints(forNodes: (hints.forNodes ?? []).compactMap(\.name), forZones: (hints.forZones ?? []).compactMap(\.name))
            })
    }
}
