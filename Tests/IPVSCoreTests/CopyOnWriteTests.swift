import IPVSCore
import Testing

/// Services and health checks keep their fields in a shared box: copies must still behave as
/// values.
struct CopyOnWriteTests {
    @Test func aChangedCopyLeavesTheOriginalAsItWas() {
        let original = ServiceSpec(name: "ns/web", endpoints: [EndpointSpec(address: IPAddress("192.0.2.1")!)])
        var copy = original
        copy.endpoints.append(EndpointSpec(address: IPAddress("192.0.2.2")!))
        copy.name = "ns/api"
        #expect(original.name == "ns/web")
        #expect(original.endpoints.count == 1)
        #expect(copy.endpoints.count == 2)
        #expect(copy != original)

        let check = HealthCheck(port: 8080)
        var changed = check
        changed.rise = 5
        #expect(check.rise == 2)
        #expect(changed.rise == 5)
        #expect(changed != check)
    }

    @Test func equalValuesInBoxesOfTheirOwnAreEqualAndHashAlike() {
        let one = ServiceSpec(name: "ns/web", ports: [ServicePort(port: 80)], healthCheck: HealthCheck(port: 81))
        var other = ServiceSpec(name: "ns/web", ports: [ServicePort(port: 80)])
        other.healthCheck = HealthCheck(port: 81)
        #expect(one == other)
        #expect(one.hashValue == other.hashValue)
        #expect(Set([one, other]).count == 1)
    }
}
