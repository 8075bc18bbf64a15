import Foundation
import Testing

extension KernelLab {
    /// The packet path on the fleet (docs/packet-path.md), with real packets: masquerading where
    /// Kubernetes masquerades, load-balancer source ranges, hairpin, UDP failover with the dead
    /// backend's conntrack entries gone; `nft` and `conntrack` as the witnesses, and another
    /// tool's ruleset on every node that must come through byte for byte.
    @Suite
    struct PacketPathFleetLabTests {
        typealias VIP = LabFleet.VIP

        static let foreignRuleset = """
            table ip other_tool {
                set blocked { type ipv4_addr; elements = { 198.51.100.66 }; }
                chain input { type filter hook input priority filter; policy accept; ip saddr @blocked counter drop; }
                chain postrouting { type nat hook postrouting priority srcnat; policy accept; oifname "uplink" masquerade; }
            }
            """

        static func nft(_ fleet: LabFleet, _ node: String, _ arguments: String...) throws -> String {
            try Shell.run(["ip", "netns", "exec", fleet.namespace(node), "nft"] + arguments)
        }

        /// One node's side of the link to its backend `backend`: the address a masqueraded packet
        /// to that backend carries.
        static func backendGateway(_ node: String, _ backend: Int) -> String {
            "203.0.113.\(32 * LabFleet.index(node) + 4 * backend + 1)"
        }

        @Test(
            "Cluster masquerades outside traffic, Local keeps the client, hairpin works, source ranges drop, UDP fails over with only the dead backend's conntrack entries gone, strict ARP is set; the foreign ruleset is untouched"
        )
        func packetPath() throws {
            var foreign: [String: String] = [:]
            let fleet = try LabFleet { fleet in
                for node in LabFleet.nodes {
                    try Shell.run(["ip", "netns", "exec", fleet.namespace(node), "nft", "-f", "-"], input: Self.foreignRuleset)
                    foreign[node] = try Self.nft(fleet, node, "list", "table", "ip", "other_tool")
                }
            }
            defer { fleet.tearDown() }
            let everyWebServer = Set(LabFleet.nodes.map { "\($0)/b1" })

            // External Cluster, through each node: every request answered, spread over every
            // node's web server; the endpoint sees the receiving node, never the outside client.
            for node in LabFleet.nodes {
                try fleet.routeFromOutside(VIP.webExternal, to: node)
                var served: [String: Int] = [:]
                for _ in 0..<6 {
                    let answer = fleet.get(from: fleet.outside, VIP.webExternal)
                    #expect(answer != nil, "via \(node): no answer")
                    guard let answer else { continue }
                    served[answer.backend, default: 0] += 1
                    let expected = answer.backend == "\(node)/b1" ? Self.backendGateway(node, 1) : LabFleet.nodeAddress(node)
                    #expect(answer.sawClient == expected, "via \(node): \(answer.backend) saw \(answer.sawClient)")
                }
                #expect(Set(served.keys) == everyWebServer, "via \(node): \(served)")
            }

            // External Local: no masquerading, the endpoint sees the client's own address.
            try fleet.routeFromOutside(VIP.shopExternal, to: "node-a")
            let local = fleet.get(from: fleet.outside, VIP.shopExternal)
            #expect(local?.backend == "node-a/b1" && local?.sawClient == LabFleet.outsideAddress, "\(String(describing: local))")

            // Cluster IPs from a pod of the node keep the pod's address (clusterSpreads says more).
            #expect(fleet.get(from: fleet.client("node-b"), VIP.web)?.sawClient == LabFleet.clientAddress("node-b"))

            // Hairpin: node-a's web server reaching the web service, landing on itself among others.
            var hairpin: Set<String> = []
            for _ in 0..<3 {
                let answer = fleet.get(from: fleet.backendNamespace("node-a", 1), VIP.web)
                #expect(answer != nil, "hairpin: no answer")
                if let answer { hairpin.insert(answer.backend) }
                if answer?.backend == "node-a/b1" { #expect(answer?.sawClient == Self.backendGateway("node-a", 1)) }
            }
            #expect(hairpin == everyWebServer, "rr from node-a/b1 reached \(hairpin)")

            // Load-balancer source ranges: 192.0.2.250 is allowed, 192.0.2.251 is not.
            try fleet.routeFromOutside(VIP.webBalancer, to: "node-a")
            try Shell.run("ip", "-n", fleet.outside, "addr", "add", "192.0.2.251/24", "dev", "eth0")
            #expect(fleet.get(from: fleet.outside, VIP.webBalancer) != nil, "an allowed client is served")
            let refused = try Shell.runCapturing([
                "ip", "netns", "exec", fleet.outside, "curl", "-sS", "-m", "3", "--interface", "192.0.2.251",
                "http://\(VIP.webBalancer)/",
            ])
            #expect(refused.status == 28, "a client outside the ranges is dropped (curl times out): \(refused)")
            let listed = try Self.nft(fleet, "node-a", "list", "set", "inet", "ipvsctl_swift", "allowed_sources_v4")
            #expect(listed.contains("203.0.113.220 . tcp . 80 . 192.0.2.250"))

            try udpFailover(fleet)

            for node in LabFleet.nodes {
                // Strict ARP, as the fleet's config declares it; sysctl as the witness.
                for (name, value) in [("net.ipv4.conf.all.arp_ignore", "1"), ("net.ipv4.conf.all.arp_announce", "2")] {
                    let read = try Shell.run("ip", "netns", "exec", fleet.namespace(node), "sysctl", "-n", name)
                    #expect(read.trimmingCharacters(in: .whitespacesAndNewlines) == value, "\(node): \(name) = \(read)")
                }
                #expect(
                    try Self.nft(fleet, node, "list", "table", "ip", "other_tool") == foreign[node], "\(node): the foreign table changed")
                #expect(try Self.nft(fleet, node, "list", "table", "inet", "ipvsctl_swift").contains("chain masquerading"))
            }
        }

        /// Three DNS-like clients on node-a's client namespace, one source port each (as resolvers
        /// keep theirs), round-robined over the three DNS servers. One server stops answering:
        /// once the health checker takes it out, its client is answered by another at its next
        /// query, and `conntrack -L` shows the other clients' entries as they were.
        func udpFailover(_ fleet: LabFleet) throws {
            let clients = try (0..<3).map { index in
                let stop = NSTemporaryDirectory() + "ipvsctl-udp-stop-\(index)-\(UInt32.random(in: 0...UInt32.max))"
                let (process, output) = try LabPeers.startClient(in: fleet.client("node-a"), "udp-client", VIP.dns, "53", stop)
                return (process: process, output: output, stop: stop)
            }
            defer { for client in clients { FileManager.default.createFile(atPath: client.stop, contents: nil) } }
            func answers(_ index: Int) -> [(time: Double, name: String)] {
                ((try? String(contentsOfFile: clients[index].output, encoding: .utf8)) ?? "").split(separator: "\n").compactMap { line in
                    let parts = line.split(separator: " ")
                    guard parts.count == 2, let time = Double(parts[0]) else { return nil }
                    return (time, String(parts[1]))
                }
            }
            try LabWait.until("node-a has every DNS server", seconds: 30) {
                try fleet.rules("node-a").split(separator: "\n").count { $0.hasPrefix("-a -u \(VIP.dns):53 ") } == 3
            }
            try LabWait.until("every DNS client is answered", seconds: 30) {
                (0..<3).allSatisfy { index in answers(index).count { !$0.name.hasPrefix("-") } >= 3 }
            }
            let servers = (0..<3).map { index in answers(index).last { !$0.name.hasPrefix("-") }!.name }
            #expect(Set(servers).count == 3, "round robin gave each client its own server: \(servers)")
            let victim = servers[0]
            let victimNode = String(victim.prefix { $0 != "/" })
            let victimAddress = LabFleet.backendAddress(victimNode, 1)

            let before = try conntrackFlows(fleet)
            let victimFlows = before.filter { $0.replySource == victimAddress }
            #expect(!victimFlows.isEmpty, "the victim's flow is tracked: \(before)")

            fleet.stopUDPServer(victimNode)
            let stoppedAt = Date().timeIntervalSince1970
            let victimRule = "-a -u \(VIP.dns):53 -r \(victimAddress):5353"
            #expect(try fleet.rules("node-a").contains(victimRule), "the victim is in node-a's table until it is found dead")
            var removedAt = stoppedAt
            try LabWait.until("node-a's table loses \(victim)", seconds: 30) {
                removedAt = Date().timeIntervalSince1970
                return !(try fleet.rules("node-a")).contains(victimRule)
            }
            try LabWait.until("the victim's client is answered by another server", seconds: 30) {
                answers(0).contains { $0.time > removedAt && !$0.name.hasPrefix("-") && $0.name != victim }
            }
            let recovered = answers(0).first { $0.time > removedAt && !$0.name.hasPrefix("-") && $0.name != victim }!
            // Not a timed assertion: the bound is the client's 0.1 s query interval plus the
            // reconcile that removed the server; without the conntrack deletion the dead
            // server's entry keeps every query dropped for as long as the client keeps asking.
            print(
                "UDP failover: \(recovered.time - removedAt) s after the real server left node-a's table "
                    + "(\(removedAt - stoppedAt) s after the server died)")
            #expect(recovered.time - removedAt < 5, "the client stayed stuck on the dead server's conntrack entry")

            let after = try conntrackFlows(fleet)
            #expect(victimFlows.allSatisfy { !after.contains($0) }, "the dead backend's entries are gone: before \(before), after \(after)")
            let untouched = before.filter { $0.replySource != victimAddress }
            #expect(!untouched.isEmpty)
            #expect(
                untouched.allSatisfy { after.contains($0) }, "the other backends' entries are untouched: before \(before), after \(after)")
            for client in clients { FileManager.default.createFile(atPath: client.stop, contents: nil) }
            for client in clients { client.process.waitUntilExit() }
        }

        struct Flow: Hashable, CustomStringConvertible {
            var sourcePort: String
            var replySource: String
            var description: String { "\(sourcePort)->\(replySource)" }
        }

        /// node-a's UDP conntrack entries to the DNS service, as `conntrack -L` prints them.
        func conntrackFlows(_ fleet: LabFleet) throws -> Set<Flow> {
            let listing = try Shell.runCapturing(["ip", "netns", "exec", fleet.namespace("node-a"), "conntrack", "-L", "-p", "udp"]).stdout
            return Set(
                listing.split(separator: "\n").compactMap { line -> Flow? in
                    // udp 17 29 src=C dst=VIP sport=P dport=53 [UNREPLIED] src=BACKEND dst=C sport=5353 dport=P ...
                    let fields = line.split(separator: " ")
                    func values(_ key: String) -> [String] {
                        fields.filter { $0.hasPrefix(key + "=") }.map { String($0.dropFirst(key.count + 1)) }
                    }
                    let sources = values("src"), destinations = values("dst"), ports = values("sport")
                    guard sources.count == 2, destinations.first == VIP.dns, let port = ports.first else { return nil }
                    return Flow(sourcePort: port, replySource: sources[1])
                })
        }
    }
}
