import IPVSCore
import Testing

@testable import Conntrack

/// Which conntrack entries a set of filters selects, on entries shaped like the ones IPVS
/// leaves with `net.ipv4.vs.conntrack=1`: original `client -> VIP`, reply `backend -> client`
/// (or `backend -> director` when the flow is masqueraded).
struct FlowMatchingTests {
    static func address(_ text: String) -> IPAddress {
        guard let address = IPAddress(text) else { fatalError("bad test address \(text)") }
        return address
    }

    static let vip = address("198.51.100.10")
    static let backendA = address("203.0.113.2")
    static let backendB = address("203.0.113.6")
    static let client = address("192.0.2.2")

    static func udp(_ vip: IPAddress = vip, _ vport: UInt16 = 53, to backend: IPAddress, _ bport: UInt16 = 5353) -> ConntrackFlowFilter {
        ConntrackFlowFilter(protocol: .udp, virtualAddress: vip, virtualPort: vport, backendAddress: backend, backendPort: bport)
    }

    /// An entry for `client:sport -> vip:vport` answered by `backend:bport`.
    static func flow(
        protocol number: UInt8 = 17, client: IPAddress = client, sport: UInt16 = 40000,
        vip: IPAddress = vip, vport: UInt16 = 53, backend: IPAddress, bport: UInt16 = 5353,
        replyTo: IPAddress? = nil
    ) -> ConntrackFlow {
        ConntrackFlow(
            protocolNumber: number,
            original: .init(source: client, sourcePort: sport, destination: vip, destinationPort: vport),
            reply: .init(source: backend, sourcePort: bport, destination: replyTo ?? client, destinationPort: sport))
    }

    @Test("an entry of the backend matches its filter, whatever the client and its port")
    func backendEntryMatches() {
        let matcher = ConntrackFlowMatcher([Self.udp(to: Self.backendA)])
        for sport: UInt16 in [1024, 40000, 65535] {
            #expect(matcher.filter(for: Self.flow(sport: sport, backend: Self.backendA)) == Self.udp(to: Self.backendA))
        }
        #expect(matcher.filter(for: Self.flow(client: Self.address("192.0.2.77"), backend: Self.backendA)) != nil)
    }

    @Test("a masqueraded entry (reply to the director's address) still matches")
    func masqueradedReplyMatches() {
        let matcher = ConntrackFlowMatcher([Self.udp(to: Self.backendA)])
        #expect(matcher.filter(for: Self.flow(backend: Self.backendA, replyTo: Self.address("203.0.113.1"))) != nil)
    }

    @Test("another backend of the same virtual service is never selected")
    func otherBackendIsLeft() {
        let matcher = ConntrackFlowMatcher([Self.udp(to: Self.backendA)])
        #expect(matcher.filter(for: Self.flow(backend: Self.backendB)) == nil)
    }

    /// Entries that differ from backend A's filter in one field each.
    static let mismatchedFlows = [
        flow(protocol: 6, backend: backendA),  // TCP, not UDP
        flow(vip: address("198.51.100.11"), backend: backendA),  // another VIP
        flow(vport: 54, backend: backendA),  // another service port
        flow(backend: backendA, bport: 5354),  // another target port
        flow(protocol: 1, backend: backendA),  // ICMP: no transport protocol of ours
    ]

    @Test("every field of the filter counts", arguments: mismatchedFlows)
    func mismatches(flow: ConntrackFlow) {
        #expect(ConntrackFlowMatcher([Self.udp(to: Self.backendA)]).filter(for: flow) == nil)
    }

    @Test("many filters, one lookup each: every entry goes to its own filter")
    func manyFilters() {
        let filters = (0..<200).map { index in
            Self.udp(Self.address("198.51.100.\(index % 100)"), UInt16(53 + index / 100), to: Self.address("203.0.113.\(index % 50)"))
        }
        let matcher = ConntrackFlowMatcher(filters + filters)
        for filter in filters {
            let flow = Self.flow(vip: filter.virtualAddress, vport: filter.virtualPort, backend: filter.backendAddress)
            #expect(matcher.filter(for: flow) == filter)
        }
        #expect(matcher.filter(for: Self.flow(vip: Self.address("198.51.100.200"), backend: Self.backendA)) == nil)
    }

    @Test("IPv6 entries match IPv6 filters, never an IPv4 one with the same numbers")
    func ipv6() {
        let vip6 = Self.address("2001:db8::10")
        let backend6 = Self.address("2001:db8:f::2")
        let matcher = ConntrackFlowMatcher([Self.udp(vip6, to: backend6), Self.udp(to: Self.backendA)])
        #expect(
            matcher.filter(for: Self.flow(client: Self.address("2001:db8:1::2"), vip: vip6, backend: backend6))
                == Self.udp(vip6, to: backend6))
        #expect(
            matcher.filter(for: Self.flow(client: Self.address("2001:db8:1::2"), vip: vip6, backend: Self.address("2001:db8:f::6"))) == nil)
    }

    @Test("the dump is limited to a family only when every filter has it")
    func family() {
        #expect(ConntrackFlowMatcher([Self.udp(to: Self.backendA)]).family == .inet)
        #expect(ConntrackFlowMatcher([Self.udp(Self.address("2001:db8::10"), to: Self.address("2001:db8:f::2"))]).family == .inet6)
        #expect(
            ConntrackFlowMatcher([Self.udp(to: Self.backendA), Self.udp(Self.address("2001:db8::10"), to: Self.address("2001:db8:f::2"))])
                .family == nil)
        #expect(ConntrackFlowMatcher([]).family == nil)
        #expect(ConntrackFlowMatcher([]).isEmpty)
    }

    @Test("filters name themselves like IPVS objects")
    func description() {
        #expect(Self.udp(to: Self.backendA).description == "UDP 198.51.100.10:53 -> 203.0.113.2:5353")
        #expect(
            Self.udp(Self.address("2001:db8::10"), to: Self.address("2001:db8:f::2")).description
                == "UDP [2001:db8::10]:53 -> [2001:db8:f::2]:5353")
    }
}
