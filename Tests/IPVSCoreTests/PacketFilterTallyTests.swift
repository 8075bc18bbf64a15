import IPVSCore
import Testing

/// The netfilter table kept service by service must always be the one computed from scratch,
/// and its element changes must take one to the other.
struct PacketFilterTallyTests {
    /// The state of the packet-path tests with the endpoint on node `a` ready or not, the other
    /// one too, for every policy and with the local sources known or not.
    static func cases() -> [(DesiredState, DesiredState)] {
        var cases: [(DesiredState, DesiredState)] = []
        for policy in TrafficPolicy.allCases {
            for cidrs in [[], ["10.244.0.0/16"]] {
                for (localReady, remoteReady) in [(false, true), (true, false), (false, false)] {
                    let before = PacketPathTests.state(
                        internal: policy, external: policy, clusterCIDRs: cidrs, sourceRanges: ["192.0.2.0/24"])
                    var after = before
                    after.services[0].endpoints[0].ready = localReady
                    after.services[0].endpoints[1].ready = remoteReady
                    cases.append((before, after))
                    cases.append((after, before))
                }
            }
        }
        return cases
    }

    @Test("replacing a service's virtual services yields the table computed from scratch, and the changes lead there")
    func replaceMatchesAFreshComputation() {
        for (before, after) in Self.cases() {
            let old = EndpointSelection.select(before, node: "a")
            let new = EndpointSelection.select(after, node: "a")
            var tally = PacketFilterTally(before, kernel: old, node: "a")
            let start = tally.filter
            let changes = tally.replace(old.virtualServices, with: new.virtualServices)
            #expect(tally.filter == PacketPathPolicy.desired(after, kernel: new, node: "a"))
            var elements = start.elements
            for change in changes {
                // Each change is needed: a delete takes out what is there, an add puts in what is not.
                switch change {
                case .addFilterElement(let element, let set):
                    #expect(elements[set, default: []].insert(element).inserted, "\(change)")
                case .deleteFilterElement(let element, let set):
                    #expect(elements[set]?.remove(element) != nil, "\(change)")
                default: Issue.record("not an element change: \(change)")
                }
            }
            #expect(DesiredPacketFilter(elements: elements.filter { !$0.value.isEmpty }) == tally.filter)
        }
    }

    @Test("a hairpin pair stays while another virtual service still masquerades to that endpoint")
    func hairpinIsCounted() {
        let state = PacketPathTests.state()
        let kernel = EndpointSelection.select(state, node: "a")
        let hairpin = PacketFilterSetID(.hairpin, .inet)
        var tally = PacketFilterTally(state, kernel: kernel, node: "a")
        #expect(tally.filter.elements[hairpin] == [.addressPair(PacketPathTests.endpoint(1, node: "a").address)])
        // Take the local endpoint out of one virtual service only: the others still use it.
        var first = kernel.virtualServices[0]
        first.realServers.removeAll { $0.address == PacketPathTests.endpoint(1, node: "a").address }
        #expect(
            tally.replace([kernel.virtualServices[0]], with: [first]).allSatisfy {
                if case .deleteFilterElement(_, hairpin) = $0 { false } else { true }
            })
        #expect(tally.filter.elements[hairpin] != nil)
    }

    @Test(
        "an endpoint on two ports of the virtual services, in key order or not: one hairpin pair, gone with the last use",
        arguments: [false, true])
    func repeatedAddress(reversed: Bool) {
        let state = PacketPathTests.state()
        let kernel = EndpointSelection.select(state, node: "a")
        let local = PacketPathTests.endpoint(1, node: "a").address
        let hairpin = PacketFilterSetID(.hairpin, .inet)
        var tally = PacketFilterTally(state, kernel: kernel, node: "a")
        let doubled = kernel.virtualServices.map { service in
            var service = service
            service.realServers += service.realServers.filter { $0.address == local }.map { server in
                var server = server
                server.port &+= 1
                return server
            }
            if reversed { service.realServers.reverse() } else { service.realServers.sort { $0.key < $1.key } }
            return service
        }
        #expect(doubled.contains { $0.realServers.count(where: { $0.address == local }) == 2 })
        _ = tally.replace(kernel.virtualServices, with: doubled)
        #expect(tally.filter.elements[hairpin] == [.addressPair(local)])
        let without = doubled.map { service in
            var service = service
            service.realServers.removeAll { $0.address == local }
            return service
        }
        _ = tally.replace(doubled, with: without)
        #expect(tally.filter.elements[hairpin] == nil)
    }
}
