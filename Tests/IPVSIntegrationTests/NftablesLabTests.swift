import Foundation
import IPVSCore
import IPVSNetlink
import Nftables
import NftablesWire
import Testing

extension KernelLab {
    /// Our nftables table against the real kernel, with `nft` as the independent witness, beside
    /// a ruleset of someone else's that must come through every change byte for byte.
    @Suite
    struct NftablesLabTests {
        /// Another tool's table, with a set, a filter chain and a NAT chain on the hooks ours use.
        static let foreignRuleset = """
            table ip other_tool {
                set blocked { type ipv4_addr; elements = { 198.51.100.66 }; }
                chain input { type filter hook input priority filter; policy accept; ip saddr @blocked counter drop; }
                chain postrouting { type nat hook postrouting priority srcnat; policy accept; oifname "uplink" masquerade; }
            }
            """

        let web = IPAddress("192.0.2.10")!
        let lb = IPAddress("192.0.2.20")!
        let v6 = IPAddress("2001:db8::10")!

        /// Runs `body` in a fresh namespace (no IPVS needed) holding the foreign ruleset, and
        /// checks after it that the foreign table lists exactly as before.
        static func withNamespace(_ body: (String, NftablesClient) throws -> Void) throws {
            let name = "ipvsctl-nft-\(UInt32.random(in: 0...UInt32.max))"
            try Shell.run("ip", "netns", "add", name)
            defer { _ = try? Shell.run("ip", "netns", "delete", name) }
            try Shell.run(["ip", "netns", "exec", name, "nft", "-f", "-"], input: foreignRuleset)
            let foreign = try nft(name, "list", "table", "ip", "other_tool")
            #expect(foreign.contains("198.51.100.66"))
            try body(name, NftablesClient(namespace: .named(name)))
            #expect(try nft(name, "list", "table", "ip", "other_tool") == foreign, "the foreign table is byte-identical")
        }

        static func nft(_ namespace: String, _ arguments: String...) throws -> String {
            try Shell.run(["ip", "netns", "exec", namespace, "nft"] + arguments)
        }

        var desired: DesiredPacketFilter {
            DesiredPacketFilter(elements: [
                PacketFilterSetID(.externalCluster, .inet): [.service(web, .tcp, 80), .service(web, .udp, 53)],
                PacketFilterSetID(.localSources, .inet): [.range(IPPrefix("10.244.1.0/24")!)],
                PacketFilterSetID(.guardedLoadBalancers, .inet): [.service(lb, .tcp, 443)],
                PacketFilterSetID(.allowedSources, .inet): [
                    .serviceSource(lb, .tcp, 443, IPPrefix("203.0.113.0/24")!),
                    .serviceSource(lb, .tcp, 443, IPPrefix("198.51.100.7")!),
                ],
                PacketFilterSetID(.hairpin, .inet6): [.addressPair(v6)],
                PacketFilterSetID(.externalCluster, .inet6): [.service(v6, .sctp, 3868)],
            ])
        }

        @Test("made from nothing, read back as made, and a second plan changes nothing; the foreign ruleset is untouched")
        func createAndReadBack() throws {
            try Self.withNamespace { namespace, client in
                #expect(try client.read() == nil)

                let plan = PacketFilterPlanner.plan(desired: desired, observed: nil, owned: false, adopt: false)
                try client.apply(plan.changes, dryRun: true)
                #expect(try client.read() == nil, "a dry run applies nothing")
                try client.apply(plan.changes)

                let observed = try #require(try client.read())
                #expect(observed.structureDrift == nil)
                #expect(observed.elements == desired.elements)
                #expect(PacketFilterPlanner.plan(desired: desired, observed: observed, owned: true, adopt: false).changes.isEmpty)

                let listed = try Self.nft(namespace, "list", "table", "inet", "ipvsctl_swift")
                #expect(listed.contains("192.0.2.10 . tcp . 80"))
                #expect(listed.contains("192.0.2.20 . tcp . 443 . 203.0.113.0/24"))
                #expect(
                    listed.contains(
                        "ct original ip daddr . meta l4proto . ct original proto-dst @external_cluster_v4 ip saddr != @local_sources_v4 masquerade"
                    ))
            }
        }

        @Test("a changed desired state is one minimal transaction; deleting our table leaves the foreign ruleset byte-identical")
        func minimalChangeAndDelete() throws {
            try Self.withNamespace { namespace, client in
                let foreignOnly = try Self.nft(namespace, "list", "ruleset")
                try client.apply(PacketFilterPlanner.plan(desired: desired, observed: nil, owned: false, adopt: false).changes)
                var next = desired
                next.elements[PacketFilterSetID(.externalCluster, .inet)] = [.service(web, .tcp, 80), .service(web, .tcp, 8080)]
                next.elements[PacketFilterSetID(.localSources, .inet)] = [.range(IPPrefix("10.244.0.0/16")!)]
                let plan = PacketFilterPlanner.plan(desired: next, observed: try client.read(), owned: true, adopt: false)
                #expect(plan.changes.count == 4)
                try client.apply(plan.changes)
                #expect(try client.read()?.elements == next.elements)

                let deletion = PacketFilterPlanner.plan(
                    desired: DesiredPacketFilter(), observed: try client.read(), owned: true, adopt: false)
                #expect(deletion.changes == [.deletePacketFilter])
                try client.apply(deletion.changes)
                #expect(try client.read() == nil)
                #expect(try Self.nft(namespace, "list", "ruleset") == foreignOnly)
            }
        }

        @Test("a rule deleted by hand is drift: the table is made again with every element, in one transaction")
        func driftRepair() throws {
            try Self.withNamespace { namespace, client in
                try client.apply(PacketFilterPlanner.plan(desired: desired, observed: nil, owned: false, adopt: false).changes)
                let handles = try Self.nft(namespace, "-a", "list", "chain", "inet", "ipvsctl_swift", "masquerading")
                let handle = try #require(
                    handles.split(separator: "\n").first { $0.contains("hairpin") }?
                        .split(separator: " ").last.map(String.init))
                try Self.nft(namespace, "delete", "rule", "inet", "ipvsctl_swift", "masquerading", "handle", handle)
                try Self.nft(namespace, "delete", "element", "inet", "ipvsctl_swift", "external_cluster_v4", "{ 192.0.2.10 . udp . 53 }")

                let drifted = try #require(try client.read())
                #expect(drifted.structureDrift?.contains("masquerading") == true)
                let plan = PacketFilterPlanner.plan(desired: desired, observed: drifted, owned: true, adopt: false)
                guard case .repairPacketFilter = plan.changes.first else {
                    Issue.record("expected a repair, got \(plan.changes)")
                    return
                }
                try client.apply(plan.changes)
                let repaired = try #require(try client.read())
                #expect(repaired.structureDrift == nil)
                #expect(repaired.elements == desired.elements)
            }
        }

        @Test("a transaction the kernel refuses applies none of its commands")
        func refusedTransactionIsAtomic() throws {
            try Self.withNamespace { namespace, client in
                try client.apply(PacketFilterPlanner.plan(desired: desired, observed: nil, owned: false, adopt: false).changes)
                let before = try Self.nft(namespace, "list", "ruleset")
                let external = PacketFilterSetID(.externalCluster, .inet)
                let error = #expect(throws: NftablesError.self) {
                    try client.apply([
                        .addFilterElement(.service(web, .tcp, 9090), set: external),
                        .deleteFilterElement(.service(web, .tcp, 9999), set: external),  // not there
                    ])
                }
                #expect(error?.code == .transactionRefused)
                #expect(error?.detail?.isEmpty == false)
                #expect(try Self.nft(namespace, "list", "ruleset") == before)
            }
        }
    }
}
