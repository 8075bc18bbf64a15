import IPVSCore
import Testing

/// kube-proxy's `CategorizeEndpoints` cases (pkg/proxy/topology_test.go), restated as what
/// IPVSCore's selection gives the cluster IP (internal policy) and the node port (external
/// policy) on node "this" in zone `zone`.
struct EndpointCategorisationTests {
    struct Endpoint {
        var octet: UInt8
        var zones: [String] = []
        var nodes: [String] = []
        var ready = true
        var serving: Bool? = nil
        var terminating = false
        var local = false

        var spec: EndpointSpec {
            let hinted = !zones.isEmpty || !nodes.isEmpty
            return EndpointSpec(
                address: .v4(IPv4Address(10, 0, 0, octet)), node: local ? "this" : "other",
                ready: ready, serving: serving ?? ready, terminating: terminating,
                hints: hinted ? TopologyHints(forNodes: nodes, forZones: zones) : nil)
        }
    }

    struct Case: CustomTestStringConvertible, Sendable {
        var name: String
        var zone: String? = "zone-a"
        var internalPolicy: TrafficPolicy = .cluster
        var externalPolicy: TrafficPolicy = .cluster
        var endpoints: [Endpoint]
        /// Real servers of the cluster IP, by last octet.
        var internalServers: [UInt8]
        /// Real servers of the node port, by last octet; nil: same as `internalServers`.
        var externalServers: [UInt8]? = nil
        var testDescription: String { name }
    }

    static let fourZoned: [Endpoint] = [
        Endpoint(octet: 3, zones: ["zone-a"]), Endpoint(octet: 4, zones: ["zone-b"]),
        Endpoint(octet: 5, zones: ["zone-c"]), Endpoint(octet: 6, zones: ["zone-a"]),
    ]

    static let cases: [Case] = [
        Case(name: "every endpoint hinted, some for this zone: only those", endpoints: fourZoned, internalServers: [3, 6]),
        Case(
            name: "externalTrafficPolicy Local: topology ignored for the local endpoints", externalPolicy: .local,
            endpoints: [
                Endpoint(octet: 3, zones: ["zone-a"], local: true), Endpoint(octet: 4, zones: ["zone-b"], local: true),
                Endpoint(octet: 5, zones: ["zone-c"]), Endpoint(octet: 6, zones: ["zone-a"]),
            ],
            internalServers: [3, 6], externalServers: [3, 4]),
        Case(
            name: "internalTrafficPolicy Local: topology ignored for the local endpoints", internalPolicy: .local,
            endpoints: [
                Endpoint(octet: 3, zones: ["zone-a"], local: true), Endpoint(octet: 4, zones: ["zone-b"], local: true),
                Endpoint(octet: 5, zones: ["zone-c"]), Endpoint(octet: 6, zones: ["zone-a"]),
            ],
            internalServers: [3, 4], externalServers: [3, 6]),
        Case(
            name: "node without a zone label: no filtering", zone: nil,
            endpoints: [Endpoint(octet: 3, zones: ["zone-a"])], internalServers: [3]),
        Case(
            name: "node with an empty zone label: no filtering", zone: "",
            endpoints: [Endpoint(octet: 3, zones: ["zone-a"])], internalServers: [3]),
        Case(
            name: "node in a zone no endpoint is hinted for: no filtering", zone: "zone-b",
            endpoints: [Endpoint(octet: 3, zones: ["zone-a"])], internalServers: [3]),
        Case(
            name: "an unready endpoint is not used, filtered or not",
            endpoints: [
                Endpoint(octet: 3, zones: ["zone-a"]), Endpoint(octet: 4, zones: ["zone-b"]),
                Endpoint(octet: 5, zones: ["zone-c"]), Endpoint(octet: 6, zones: ["zone-a"], ready: false),
            ],
            internalServers: [3]),
        Case(
            name: "only unready endpoints in this zone: no filtering",
            endpoints: [
                Endpoint(octet: 3, zones: ["zone-a"], ready: false), Endpoint(octet: 4, zones: ["zone-b"]),
                Endpoint(octet: 5, zones: ["zone-c"]), Endpoint(octet: 6, zones: ["zone-a"], ready: false),
            ],
            internalServers: [4, 5]),
        Case(
            name: "one ready endpoint without hints: no filtering",
            endpoints: [
                Endpoint(octet: 3, zones: ["zone-a"]), Endpoint(octet: 4, zones: ["zone-b"]),
                Endpoint(octet: 5), Endpoint(octet: 6, zones: ["zone-a"]),
            ],
            internalServers: [3, 4, 5, 6]),
        Case(
            name: "several zones per endpoint: any endpoint naming this zone", zone: "zone-c",
            endpoints: [
                Endpoint(octet: 3, zones: ["zone-a", "zone-b", "zone-c"]), Endpoint(octet: 4, zones: ["zone-b", "zone-c"]),
                Endpoint(octet: 5, zones: ["zone-b", "zone-d"]), Endpoint(octet: 6, zones: ["zone-c"]),
            ],
            internalServers: [3, 4, 6]),
        Case(
            name: "topology for Cluster and localness for Local, side by side", externalPolicy: .local,
            endpoints: [
                Endpoint(octet: 0, zones: ["zone-a"], local: true), Endpoint(octet: 1, zones: ["zone-b"], local: true),
                Endpoint(octet: 2, zones: ["zone-a"]), Endpoint(octet: 3, zones: ["zone-b"]),
            ],
            internalServers: [0, 2], externalServers: [0, 1]),
        Case(
            name: "Cluster, no endpoint ready: none",
            endpoints: [Endpoint(octet: 0, ready: false), Endpoint(octet: 1, ready: false)], internalServers: []),
        Case(
            name: "Cluster, all terminating but serving: all of them",
            endpoints: [
                Endpoint(octet: 0, ready: false, serving: true, terminating: true, local: true),
                Endpoint(octet: 1, ready: false, serving: true, terminating: true),
            ],
            internalServers: [0, 1]),
        Case(
            name: "ITP Local, ETP Local, all remote: internal and external blackholed", internalPolicy: .local, externalPolicy: .local,
            endpoints: [Endpoint(octet: 0), Endpoint(octet: 1)], internalServers: [], externalServers: []),
        Case(
            name: "ITP Cluster, ETP Local, terminating: Cluster ready only, Local its serving-terminating one",
            externalPolicy: .local,
            endpoints: [
                Endpoint(octet: 0), Endpoint(octet: 1, ready: false, serving: false, local: true),
                Endpoint(octet: 2, ready: false, serving: true, terminating: true, local: true),
                Endpoint(octet: 3, ready: false, serving: true, terminating: true),
            ],
            internalServers: [0], externalServers: [2]),
        // Node hints (PreferSameNode), checked before zone hints.
        Case(
            name: "every endpoint hinted for a node, one for this node: only it",
            endpoints: [
                Endpoint(octet: 1, zones: ["zone-a"], nodes: ["this"]), Endpoint(octet: 2, zones: ["zone-a"], nodes: ["peer"]),
                Endpoint(octet: 3, zones: ["zone-b"], nodes: ["far"]),
            ],
            internalServers: [1]),
        Case(
            name: "node hints, none for this node: zone hints decide",
            endpoints: [
                Endpoint(octet: 1, zones: ["zone-a"], nodes: ["peer"]), Endpoint(octet: 2, zones: ["zone-a"], nodes: ["peer2"]),
                Endpoint(octet: 3, zones: ["zone-b"], nodes: ["far"]),
            ],
            internalServers: [1, 2]),
        Case(
            name: "one ready endpoint without a node hint: zone hints decide",
            endpoints: [
                Endpoint(octet: 1, zones: ["zone-a"], nodes: ["this"]), Endpoint(octet: 2, zones: ["zone-a"]),
                Endpoint(octet: 3, zones: ["zone-b"], nodes: ["far"]),
            ],
            internalServers: [1, 2]),
        Case(
            name: "an unready endpoint's missing hints do not count",
            endpoints: [
                Endpoint(octet: 1, zones: ["zone-a"], nodes: ["this"]), Endpoint(octet: 2, ready: false),
                Endpoint(octet: 3, zones: ["zone-b"], nodes: ["far"]),
            ],
            internalServers: [1]),
        Case(
            name: "no ready endpoint: the serving-terminating ones, hints ignored",
            endpoints: [
                Endpoint(octet: 1, zones: ["zone-b"], nodes: ["far"], ready: false, serving: true, terminating: true),
                Endpoint(octet: 2, zones: ["zone-a"], nodes: ["this"], ready: false, serving: true, terminating: true),
            ],
            internalServers: [1, 2]),
        Case(
            name: "Local is never narrowed by node hints", internalPolicy: .local,
            endpoints: [Endpoint(octet: 1, nodes: ["this"], local: true), Endpoint(octet: 2, nodes: ["far"], local: true)],
            internalServers: [1, 2], externalServers: [1]),
        Case(
            name: "PreferLocal without a local endpoint falls back to the zone's", internalPolicy: .preferLocal,
            endpoints: fourZoned, internalServers: [3, 6]),
        Case(
            name: "PreferLocal with a local endpoint uses it, whatever its hints", internalPolicy: .preferLocal,
            endpoints: [Endpoint(octet: 3, zones: ["zone-a"]), Endpoint(octet: 4, zones: ["zone-b"], local: true)],
            internalServers: [4], externalServers: [3]),
    ]

    static let clusterIP = IPAddress("198.51.100.1")!
    static let nodeAddress = IPAddress("192.0.2.1")!

    static func servers(_ state: DesiredKernelState, _ address: IPAddress, port: UInt16) -> [UInt8] {
        state.virtualServices.first { $0.service.key == .address(address, port: port, protocol: .tcp) }?
            .realServers.map { $0.address.bytes[3] } ?? []
    }

    @Test("CategorizeEndpoints", arguments: cases)
    func categorise(_ row: Case) {
        let spec = ServiceSpec(
            name: "ns/svc", clusterIPs: [Self.clusterIP],
            ports: [ServicePort(port: 80, targetPort: 8080, nodePort: 30080)],
            internalTrafficPolicy: row.internalPolicy, externalTrafficPolicy: row.externalPolicy,
            endpoints: row.endpoints.map(\.spec))
        var state = DesiredState(nodeAddresses: ["this": [Self.nodeAddress]], services: [spec])
        if let zone = row.zone { state.nodeZones["this"] = zone }
        let selected = EndpointSelection.select(state, node: "this")
        #expect(Self.servers(selected, Self.clusterIP, port: 80) == row.internalServers.sorted())
        #expect(Self.servers(selected, Self.nodeAddress, port: 30080) == (row.externalServers ?? row.internalServers).sorted())
    }
}
