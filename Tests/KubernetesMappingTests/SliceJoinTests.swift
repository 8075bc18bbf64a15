import IPVSCore
import KubernetesAPI
import KubernetesMapping
import Testing

/// kube-proxy's endpoint-slice cache facts (pkg/proxy/endpointslicecache_test.go): how slices
/// join their Service and how duplicates resolve.
struct SliceJoinTests {
    static func endpoints(_ slices: [EndpointSlice], ports: [KubernetesService.Port] = [Build.tcp("http", 80)]) -> [EndpointSpec] {
        Build.map([Build.service(ports: ports)], slices).service("ns/svc")?.endpoints ?? []
    }

    static func described(_ endpoints: [EndpointSpec]) -> [String] {
        endpoints.map { endpoint in
            let ports = (endpoint.targetPorts ?? [:]).sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(separator: ",")
            return "\(endpoint.address) \(ports) \(endpoint.terminating ? "terminating" : endpoint.ready ? "ready" : "unready")"
        }.sorted()
    }

    @Test("absent conditions: ready and serving true, terminating false")
    func conditionDefaults() {
        let endpoint = Self.endpoints([Build.slice("s1", endpoints: [Build.endpoint("10.0.0.1")])]).first
        #expect(endpoint?.ready == true && endpoint?.serving == true && endpoint?.terminating == false)
        let partial = Self.endpoints([Build.slice("s1", endpoints: [Build.endpoint("10.0.0.1", ready: false)])]).first
        #expect(partial?.ready == false && partial?.serving == true && partial?.terminating == false)
    }

    @Test("an address in two slices keeps its non-terminating copy, whichever slice comes first")
    func duplicatesPreferNonTerminating() {
        for names in [("a", "b"), ("b", "a")] {
            let terminating = Build.slice(
                names.0, endpoints: [Build.endpoint("10.0.0.1", node: "old", ready: false, serving: true, terminating: true)])
            let running = Build.slice(names.1, endpoints: [Build.endpoint("10.0.0.1", node: "new")])
            let endpoints = Self.endpoints([terminating, running])
            #expect(endpoints.count == 1)
            #expect(endpoints.first?.node == "new")
        }
    }

    @Test("duplicates within one slice: the non-terminating one")
    func duplicatesInOneSlice() {
        let slice = Build.slice(
            "s",
            endpoints: [
                Build.endpoint("10.0.0.1", ready: false, serving: true, terminating: true),
                Build.endpoint("10.0.0.1", ready: true),
                Build.endpoint("10.0.0.1", ready: false, serving: false, terminating: true),
            ])
        #expect(Self.described(Self.endpoints([slice])) == ["10.0.0.1 http=8080 ready"])
    }

    @Test("a slice port joins the Service port of the same name and protocol only")
    func portJoin() {
        let slice = Build.slice(
            "s",
            ports: [
                Build.port("http", 8080, protocol: "UDP"), Build.port("metrics", 9100),
                Build.port("http", 8081),
            ],
            endpoints: [Build.endpoint("10.0.0.1")])
        #expect(Self.described(Self.endpoints([slice])) == ["10.0.0.1 http=8081 ready"])
    }

    @Test("the unnamed Service port joins the unnamed slice port (absent name is the API's \"\")")
    func unnamedPort() {
        let slice = Build.slice("s", ports: [Build.port(nil, 8080)], endpoints: [Build.endpoint("10.0.0.1")])
        let endpoints = Self.endpoints([slice], ports: [Build.tcp(nil, 80)])
        #expect(Self.described(endpoints) == ["10.0.0.1 =8080 ready"])
    }

    @Test("one named targetPort, two numbers in two slices: two real servers, one per number")
    func namedTargetPortPerSlice() {
        let old = Build.slice(
            "old", ports: [Build.port("http", 8080)], endpoints: [Build.endpoint("10.0.0.1"), Build.endpoint("10.0.0.2")])
        let new = Build.slice(
            "new", ports: [Build.port("http", 9090)], endpoints: [Build.endpoint("10.0.0.1"), Build.endpoint("10.0.0.3")])
        let result = Build.map([Build.service()], [old, new])
        #expect(
            Self.described(result.service("ns/svc")!.endpoints)
                == ["10.0.0.1 http=8080 ready", "10.0.0.1 http=9090 ready", "10.0.0.2 http=8080 ready", "10.0.0.3 http=9090 ready"])
        let kernel = EndpointSelection.select(result.state, node: "this")
        #expect(
            kernel.virtualServices.first?.realServers.map { "\($0.key)" }
                == ["10.0.0.1:8080", "10.0.0.1:9090", "10.0.0.2:8080", "10.0.0.3:9090"])
    }

    @Test("an endpoint in a slice without a Service port's slice port serves the other ports only")
    func partialPorts() {
        let both = Build.slice("a", ports: [Build.port("http", 8080), Build.port("admin", 9000)], endpoints: [Build.endpoint("10.0.0.1")])
        let httpOnly = Build.slice("b", ports: [Build.port("http", 8080)], endpoints: [Build.endpoint("10.0.0.2")])
        let result = Build.map([Build.service(ports: [Build.tcp("http", 80), Build.tcp("admin", 90)])], [both, httpOnly])
        let kernel = EndpointSelection.select(result.state, node: "this")
        func servers(_ port: UInt16) -> [String] {
            kernel.virtualServices.first { $0.service.key == .address(Build.ip("10.96.0.1"), port: port, protocol: .tcp) }?
                .realServers.map { "\($0.key)" } ?? []
        }
        #expect(servers(80) == ["10.0.0.1:8080", "10.0.0.2:8080"])
        #expect(servers(90) == ["10.0.0.1:9000"])
    }

    @Test("FQDN slices, slices of other namespaces and of other Services are not joined")
    func notJoined() {
        let slices = [
            Build.slice("fqdn", addressType: "FQDN", endpoints: [Build.endpoint("web.example.com")]),
            Build.slice("elsewhere", namespace: "other", endpoints: [Build.endpoint("10.0.0.2")]),
            Build.slice("another", service: "svc2", endpoints: [Build.endpoint("10.0.0.3")]),
            Build.slice("mine", endpoints: [Build.endpoint("10.0.0.1")]),
        ]
        #expect(Self.described(Self.endpoints(slices)) == ["10.0.0.1 http=8080 ready"])
    }

    @Test("hints are copied; absent hints stay nil")
    func hints() {
        let slice = Build.slice(
            "s",
            endpoints: [
                Build.endpoint("10.0.0.1", zone: "z1", forZones: ["z1"], forNodes: ["this"]),
                Build.endpoint("10.0.0.2"),
            ])
        let endpoints = Self.endpoints([slice]).sorted { $0.address < $1.address }
        #expect(endpoints.map(\.hints) == [TopologyHints(forNodes: ["this"], forZones: ["z1"]), nil])
    }
}
