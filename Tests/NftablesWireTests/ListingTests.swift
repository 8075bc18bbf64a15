import IPVSCore
import NftablesWire
import Testing

@Suite("our table read back from libnftables' JSON listing")
struct ListingTests {
    func listing() throws -> JSONValue { try JSONValue.decode(Array(CapturedListing.json.utf8)) }

    @Test("the captured listing decodes to the elements that were written, with no drift")
    func capturedListing() throws {
        let observed = try NftablesListing.decode(try listing())
        #expect(observed.structureDrift == nil)
        let web = IPAddress("192.0.2.10")!, lb = IPAddress("192.0.2.20")!, v6 = IPAddress("2001:db8::10")!
        #expect(
            observed.elements == [
                PacketFilterSetID(.externalCluster, .inet): [.service(web, .tcp, 80), .service(web, .udp, 53)],
                PacketFilterSetID(.clusterIPs, .inet): [.service(IPAddress("198.51.100.10")!, .tcp, 80)],
                PacketFilterSetID(.localSources, .inet): [.range(IPPrefix("10.244.1.0/24")!), .range(IPPrefix("198.51.100.130")!)],
                PacketFilterSetID(.guardedLoadBalancers, .inet): [.service(lb, .tcp, 443)],
                PacketFilterSetID(.allowedSources, .inet): [
                    .serviceSource(lb, .tcp, 443, IPPrefix("203.0.113.0/24")!),
                    .serviceSource(lb, .tcp, 443, IPPrefix("198.51.100.7")!),
                ],
                PacketFilterSetID(.hairpin, .inet): [.addressPair(IPAddress("10.244.1.5")!)],
                PacketFilterSetID(.hairpin, .inet6): [.addressPair(v6)],
                PacketFilterSetID(.externalCluster, .inet6): [.service(v6, .sctp, 3868)],
                PacketFilterSetID(.localSources, .inet6): [.range(IPPrefix("2001:db8:1::/64")!)],
            ])
        #expect(NftablesListing.containsOurTable(try listing()))
    }

    @Test("a rule removed, a chain re-hooked, a set retyped or an extra chain: each is drift, named")
    func drift() throws {
        func edited(_ edit: ([JSONValue]) -> [JSONValue]) throws -> String? {
            let items = try #require(try listing()["nftables"]?.array)
            return try NftablesListing.decode(["nftables": .array(edit(items))]).structureDrift
        }
        let lastRule = try edited { items in
            var items = items
            items.remove(at: items.lastIndex { $0["rule"] != nil }!)
            return items
        }
        #expect(lastRule == "chain load_balancer_sources holds other rules")
        let rehooked = try edited { items in
            items.map { item in
                guard case .object(var chain)? = item["chain"], chain["name"] == "masquerading" else { return item }
                chain["prio"] = 0
                return ["chain": .object(chain)]
            }
        }
        #expect(rehooked == "chain masquerading has another hook, priority or policy")
        let retyped = try edited { items in
            items.map { item in
                guard case .object(var set)? = item["set"], set["name"] == "hairpin_v4" else { return item }
                set["type"] = "ipv4_addr"
                set["elem"] = nil
                return ["set": .object(set)]
            }
        }
        #expect(retyped == "set hairpin_v4 has another type")
        let extra = try edited { items in
            items + [["chain": ["family": "inet", "table": "ipvsctl_swift", "name": "someone_elses", "handle": 99]]]
        }
        #expect(extra == "unexpected chain someone_elses")
    }

    @Test("an element that is not of the set's type is an error, not a silent skip")
    func malformedElement() throws {
        let items = try #require(try listing()["nftables"]?.array)
        let broken = items.map { item -> JSONValue in
            guard case .object(var set)? = item["set"], set["name"] == "external_cluster_v4" else { return item }
            set["elem"] = [["concat": ["2001:db8::1", "tcp", 80]]]
            return ["set": .object(set)]
        }
        #expect(throws: NftablesListing.Malformed.self) { try NftablesListing.decode(["nftables": .array(broken)]) }
    }

    @Test("a listing of other tables does not name ours")
    func otherTables() {
        let tables: JSONValue = [
            "nftables": [
                ["metainfo": ["version": "1.0.6"]],
                ["table": ["family": "ip", "name": "ipvsctl_swift", "handle": 1]],
                ["table": ["family": "inet", "name": "filter", "handle": 2]],
            ]
        ]
        #expect(!NftablesListing.containsOurTable(tables))
    }
}
