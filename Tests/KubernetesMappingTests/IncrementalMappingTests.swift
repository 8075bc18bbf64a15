import IPVSCore
import KubernetesAPI
import PropertyBased
import Testing

@testable import KubernetesMapping

/// The mapping kept up object by object must give what mapping the same objects afresh gives,
/// whatever the edits: Services and slices added, changed, moved between Services, made
/// unusable and deleted, the defaults and the node changed.
@Suite struct IncrementalMappingTests {
    /// An edit, as the choices that make it: each picks one of a few options.
    static let edit = Gen.int(in: 0...9999).array(of: 64)

    @Test func randomEditsMapAsAFreshMappingDoes() async {
        await propertyCheck(count: 60, input: Self.edit.array(of: 1...12), Self.edit.array(of: 1...60)) { setup, edits in
            var cluster = RandomCluster()
            for choices in setup {
                var choices = Choices(choices)
                cluster.edit(using: &choices)
            }
            // The first mapping reads everything, whatever `changed` says.
            var mapping = IncrementalMapping(nodeName: "this")
            var previous: MappingResult?
            for (step, choices) in edits.enumerated() {
                var choices = Choices(choices)
                let changed = cluster.edit(using: &choices)
                let snapshot = cluster.snapshot
                let kept = mapping.map(snapshot, changed: changed, base: cluster.base)
                let fresh = KubernetesMapping.map(snapshot, nodeName: "this", base: cluster.base)
                #expect(kept == fresh, "step \(step): \(changed)")
                if kept != fresh { return }
                // What it says it edited is exactly what changed, when it says.
                if let edited = mapping.lastEdited, let previous {
                    let before = previous.state.services
                    #expect(before.map(\.name) == fresh.state.services.map(\.name), "step \(step)")
                    let differing = zip(before, fresh.state.services).filter { $0 != $1 }.map(\.1.name)
                    #expect(Set(differing) == edited, "step \(step)")
                }
                previous = fresh
            }
        }
    }

    @Test func anEditMapsOnlyTheServicesItTouches() {
        let services = (0..<3).map { Build.service("s\($0)", clusterIP: "10.96.0.\($0 + 1)") }
        var slices = (0..<3).map { Build.slice("s\($0)-a", service: "s\($0)", endpoints: [Build.endpoint("10.1.0.\($0 + 1)")]) }
        var mapping = IncrementalMapping(nodeName: "this")
        let first = mapping.map(ClusterSnapshot(services: services, slices: slices), changed: ChangedObjects(), base: DesiredState())
        #expect(first.state.services.map(\.name) == ["ns/s0", "ns/s1", "ns/s2"])

        // Not named as changed, s0's new slice is not read: the mapping trusts its caller, which
        // is what makes an edit cost one Service.
        slices[0] = Build.slice("s0-a", service: "s0", endpoints: [Build.endpoint("10.1.9.9")])
        slices[1] = Build.slice("s1-a", service: "s1", endpoints: [Build.endpoint("10.1.0.7")])
        let second = mapping.map(
            ClusterSnapshot(services: services, slices: slices), changed: ChangedObjects(slices: ["ns/s1-a"]), base: DesiredState())
        #expect(
            second.state.services.map { $0.endpoints.map(\.address) } == [
                [Build.ip("10.1.0.1")], [Build.ip("10.1.0.7")], [Build.ip("10.1.0.3")],
            ])
    }

    @Test func newDefaultsMapEveryServiceAgain() {
        let services = [Build.service("s0")]
        let slices = [Build.slice("s0-a", service: "s0", endpoints: [Build.endpoint("10.1.0.1")])]
        var mapping = IncrementalMapping(nodeName: "this")
        var base = DesiredState()
        _ = mapping.map(ClusterSnapshot(services: services, slices: slices), changed: ChangedObjects(), base: base)
        base.defaults.weight = 7
        let weighted = mapping.map(ClusterSnapshot(services: services, slices: slices), changed: ChangedObjects(), base: base)
        #expect(weighted.state.services.first?.endpoints.map(\.weight) == [7])
    }
}

/// A small cluster that random edits change, with objects good and bad, so that every path of
/// the mapping (skips, annotation problems, joins across slices, moves) is taken.
private struct RandomCluster {
    var services: [String: KubernetesService] = [:]
    var slices: [String: EndpointSlice] = [:]
    var node: KubernetesNode? = Build.node()
    var base = DesiredState()

    var snapshot: ClusterSnapshot { ClusterSnapshot(services: services, slices: slices, node: node) }

    static let names = ["a", "b", "c", "d", "e"]
    static let namespaces = ["ns", "other"]

    /// One random edit; returns what it changed, as a source would report it.
    @discardableResult
    mutating func edit(using random: inout Choices) -> ChangedObjects {
        var changed = ChangedObjects()
        switch random.next(upTo: 10) {
        case 0...2:
            let key = sliceEdit(using: &random)
            changed.slices.insert(key)
        case 3...4:
            let namespace = Self.namespaces[random.next(upTo: 2)]
            let name = Self.names[random.next(upTo: Self.names.count)]
            let key = "\(namespace)/\(name)"
            if random.next(upTo: 5) == 0 {
                services[key] = nil
            } else {
                services[key] = Self.service(name, namespace: namespace, using: &random)
            }
            changed.services.insert(key)
        case 5:
            if let key = slices.isEmpty ? nil : slices.keys.sorted()[random.next(upTo: slices.count)] {
                slices[key] = nil
                changed.slices.insert(key)
            }
        case 6:
            // The defaults or the node: no object key names these.
            if random.next(upTo: 2) == 0 {
                base.defaults.weight = UInt32(random.next(upTo: 3) + 1)
            } else {
                node = random.next(upTo: 4) == 0 ? nil : Build.node(zone: ["z1", "z2"][random.next(upTo: 2)])
            }
        default:
            // Two edits in one mapping, as a burst of events gives.
            let first = sliceEdit(using: &random)
            let second = sliceEdit(using: &random)
            changed.slices.formUnion([first, second])
        }
        return changed
    }

    /// Adds or replaces a slice, sometimes joining another Service than before; returns its key.
    mutating func sliceEdit(using random: inout Choices) -> String {
        let namespace = Self.namespaces[random.next(upTo: 2)]
        let service = Self.names[random.next(upTo: Self.names.count)]
        let name = "slice-\(random.next(upTo: 8))"
        let label: String? = random.next(upTo: 12) == 0 ? nil : service
        let addressType = random.next(upTo: 15) == 0 ? "FQDN" : "IPv4"
        let endpoints = (0..<random.next(upTo: 4)).map { _ in
            let octet = random.next(upTo: 6) + 1
            let address = random.next(upTo: 20) == 0 ? "not-an-address" : "10.1.\(random.next(upTo: 3)).\(octet)"
            return Build.endpoint(
                address, node: ["this", "other"][random.next(upTo: 2)], terminating: random.next(upTo: 4) == 0 ? true : nil)
        }
        let ports =
            random.next(upTo: 6) == 0
            ? [Build.port("http", 8080), Build.port("admin", 9090)] : [Build.port("http", 8080 + random.next(upTo: 2))]
        let slice = Build.slice(name, service: label, namespace: namespace, addressType: addressType, ports: ports, endpoints: endpoints)
        slices[slice.metadata.key] = slice
        return slice.metadata.key
    }

    static func service(_ name: String, namespace: String, using random: inout Choices) -> KubernetesService {
        let clusterIP = random.next(upTo: 10) == 0 ? "None" : "10.96.\(random.next(upTo: 2)).\(random.next(upTo: 50) + 1)"
        let annotations: [String: String]? =
            switch random.next(upTo: 4) {
            case 0: [ServiceAnnotation.scheduler.key: "wlc"]
            case 1: [ServiceAnnotation.scheduler.key: "no-such-scheduler", "ipvsctl-swift.io/unknown": "x"]
            default: nil
            }
        let ports = random.next(upTo: 3) == 0 ? [Build.tcp("http", 80), Build.tcp("admin", 9000)] : [Build.tcp("http", 80)]
        return Build.service(
            name, namespace: namespace, clusterIP: clusterIP, ports: ports,
            internalPolicy: ["Cluster", "Local", nil][random.next(upTo: 3)], annotations: annotations)
    }
}

/// A generated edit's choices, taken one at a time.
struct Choices {
    private var values: [Int]
    private var position = 0

    init(_ values: [Int]) { self.values = values }

    /// The next choice among `bound` options (0 once the choices run out).
    mutating func next(upTo bound: Int) -> Int {
        defer { position += 1 }
        return position < values.count ? values[position] % bound : 0
    }
}
