import IPVSCore
import NftablesWire
import Testing

@Suite("the nftables transaction of a plan, as data")
struct RenderingTests {
    let web = IPAddress("192.0.2.10")!
    let dns = IPAddress("2001:db8::53")!

    @Test("creating the table declares every set, both chains and their rules before any element")
    func creation() throws {
        let document = NftablesCommands.transaction(for: [
            .createPacketFilter,
            .addFilterElement(.service(web, .tcp, 80), set: PacketFilterSetID(.externalCluster, .inet)),
        ])
        let commands = try #require(document["nftables"]?.array)
        let kinds = commands.map { command -> String in
            let (verb, body) = command.onlyMember
            return verb + " " + (body.onlyMember.0)
        }
        #expect(kinds.first == "add table")
        #expect(kinds.filter { $0 == "add set" }.count == PacketFilterSetID.all.count)
        #expect(kinds.filter { $0 == "add chain" }.count == 2)
        #expect(kinds.filter { $0 == "add rule" }.count == 8)
        #expect(kinds.last == "add element")
        let sets = commands.compactMap { $0["add"]?["set"] }
        let allowed = try #require(sets.first { $0["name"] == "allowed_sources_v6" })
        #expect(allowed["type"] == ["ipv6_addr", "inet_proto", "inet_service", "ipv6_addr"])
        #expect(allowed["flags"] == ["interval"])
        // Every command names our table and nothing else.
        for command in commands {
            let body = command.onlyMember.1.onlyMember.1
            #expect(body["table"] == "ipvsctl_swift" || body["name"] == "ipvsctl_swift")
            #expect(body["family"] == "inet")
        }
    }

    @Test("elements are grouped per set, deletions before additions, and encoded as libnftables-json writes them")
    func elements() throws {
        let allowed = PacketFilterSetID(.allowedSources, .inet)
        let document = NftablesCommands.transaction(for: [
            .addFilterElement(.serviceSource(web, .tcp, 443, IPPrefix("203.0.113.0/24")!), set: allowed),
            .addFilterElement(.serviceSource(web, .tcp, 443, IPPrefix("198.51.100.7")!), set: allowed),
            .deleteFilterElement(.addressPair(dns), set: PacketFilterSetID(.hairpin, .inet6)),
            .createVirtualService(VirtualService(key: .address(web, port: 80, protocol: .tcp))),
        ])
        let commands = try #require(document["nftables"]?.array)
        #expect(commands.count == 2)
        #expect(
            commands[0] == [
                "delete": [
                    "element": [
                        "family": "inet", "table": "ipvsctl_swift", "name": "hairpin_v6",
                        "elem": [["concat": ["2001:db8::53", "2001:db8::53"]]],
                    ]
                ]
            ])
        #expect(
            commands[1]["add"]?["element"]?["elem"] == [
                ["concat": ["192.0.2.10", "tcp", 443, ["prefix": ["addr": "203.0.113.0", "len": 24]]]],
                ["concat": ["192.0.2.10", "tcp", 443, ["prefix": ["addr": "198.51.100.7", "len": 32]]]],
            ])
    }

    @Test("a repair deletes our table and makes it again in the same transaction; a plan without packet-filter changes is empty")
    func repairAndNothing() throws {
        let repair = try #require(NftablesCommands.transaction(for: [.repairPacketFilter(reason: "edited")])["nftables"]?.array)
        #expect(repair.first == ["delete": ["table": ["family": "inet", "name": "ipvsctl_swift"]]])
        #expect(repair[1] == ["add": ["table": ["family": "inet", "name": "ipvsctl_swift"]]])
        let none = NftablesCommands.transaction(for: [.setSysctl(.ipvsConntrack, from: 0, to: 1)])
        #expect(none == ["nftables": []])
    }
}

extension JSONValue {
    /// The single key and value of a one-member object.
    var onlyMember: (String, JSONValue) {
        guard case .object(let members) = self, members.count == 1, let member = members.first else { return ("?", .null) }
        return member
    }
}
