import IPVSCore
import Testing

@testable import IPVSDaemon

/// When the Kubernetes source's state is new, and what it tells the loop about the edit.
struct KubernetesGenerationsTests {
    static let first = DesiredState(services: [ServiceSpec(name: "ns/a"), ServiceSpec(name: "ns/b")])

    @Test func theFirstStateIsGenerationOne() {
        let (generation, edit) = KubernetesGenerations.generation(of: Self.first, after: nil, edited: nil)
        #expect(generation == 1)
        #expect(edit == nil)
    }

    @Test func servicesEditedInPlaceMakeAGenerationThatNamesThem() {
        let previous = SourceState(state: Self.first, generation: 4, changedSince: nil)
        var state = Self.first
        state.services[1].scheduler = .leastConnection
        let (generation, edit) = KubernetesGenerations.generation(of: state, after: previous, edited: ["ns/b"])
        #expect(generation == 5)
        #expect(edit == ServiceEdit(from: 4, services: ["ns/b"]))
    }

    @Test func nothingMappedDifferentlyKeepsTheGeneration() {
        let previous = SourceState(state: Self.first, generation: 4, changedSince: nil)
        #expect(KubernetesGenerations.generation(of: Self.first, after: previous, edited: []).0 == 4)
        // Services added or removed: the states are compared whole.
        #expect(KubernetesGenerations.generation(of: Self.first, after: previous, edited: nil).0 == 4)
    }

    @Test func aChangeOutsideTheServicesIsNoEditHint() {
        let previous = SourceState(state: Self.first, generation: 4, changedSince: nil)
        var state = Self.first
        state.nodeAddresses["node-a"] = [IPAddress("192.0.2.1")!]
        let (generation, edit) = KubernetesGenerations.generation(of: state, after: previous, edited: [])
        #expect(generation == 5)
        #expect(edit == nil)
    }
}
