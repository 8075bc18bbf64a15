import Conntrack
import Foundation
import IPVSCore
import IPVSNetlink
import Testing

/// `KernelConntrack` against the conntrack entries real UDP flows leave: a client namespace
/// asks an IPVS UDP service (two masquerade backends) from fixed source ports, as resolvers do,
/// and `conntrack -L` in the director's namespace witnesses what is deleted and what stays.
extension KernelLab {
    @Suite
    struct ConntrackLabTests {
        static let servicePort: UInt16 = 53
        static let targetPort: UInt16 = 5353
        /// Eight flows: round robin gives each backend four.
        static let clientPorts: [UInt16] = Array(41000..<41008)

        /// The addresses of one family's run.
        enum Family: String, CaseIterable, CustomTestStringConvertible {
            case ipv4, ipv6

            var vip: String { self == .ipv4 ? "198.51.100.53" : "2001:db8:53::53" }
            var vipPrefix: String { self == .ipv4 ? "\(vip)/32" : "\(vip)/128" }
            /// In RFC 5952 form, as `conntrack -L` prints it (2001:db8:b::2, not 2001:db8:b:0::2).
            func backend(_ index: Int) -> String {
                IPAddress.literal(self == .ipv4 ? LabTopology.backendAddress(index) : LabTopology.backendAddress6(index)).description
            }
            var testDescription: String { rawValue }
        }

        /// One entry as `conntrack -L` prints it: the first src/dst/sport/dport are the original
        /// tuple, the second the reply tuple. Timeouts and counters are left out: they move.
        struct Entry: Hashable, CustomStringConvertible {
            var original: [String]
            var reply: [String]
            var replySource: String { reply[0] }
            var description: String { "\(original.joined(separator: " ")) | \(reply.joined(separator: " "))" }

            init?(line: Substring) {
                var values: [String: [String]] = [:]
                for word in line.split(separator: " ") {
                    let parts = word.split(separator: "=", maxSplits: 1)
                    guard parts.count == 2 else { continue }
                    values[String(parts[0]), default: []].append(String(parts[1]))
                }
                let keys = ["src", "dst", "sport", "dport"]
                guard keys.allSatisfy({ values[$0]?.count == 2 }) else { return nil }
                original = keys.map { values[$0]![0] }
                reply = keys.map { values[$0]![1] }
            }
        }

        /// The director's UDP entries of `family` whose original destination is the virtual service.
        static func entries(_ lab: LabTopology, _ family: Family) throws -> Set<Entry> {
            let listing = try Shell.run("ip", "netns", "exec", lab.director, "conntrack", "-L", "-p", "udp", "-f", family.rawValue)
            return Set(listing.split(separator: "\n").compactMap(Entry.init).filter { $0.original[1] == family.vip })
        }

        static func filter(
            _ family: Family, virtualPort: UInt16 = servicePort, backend index: Int,
            port: UInt16 = targetPort, protocol: TransportProtocol = .udp
        ) -> ConntrackFlowFilter {
            ConntrackFlowFilter(
                protocol: `protocol`, virtualAddress: .literal(family.vip), virtualPort: virtualPort,
                backendAddress: .literal(family.backend(index)), backendPort: port)
        }

        /// A director with `vip:53/udp` round robin over two masquerade backends answering their
        /// name on 5353, conntrack on, and a client that has asked once from each of
        /// ``clientPorts``; `body` gets the lab and which backend answered each port.
        static func withFlows(_ family: Family, _ body: (LabTopology, [String: String]) throws -> Void) throws {
            let lab = try LabTopology()
            defer { lab.tearDown() }
            try lab.addBackend(named: "backend-0")
            try lab.addBackend(named: "backend-1")
            let servers = try [0, 1].map { try LabPeers.start(in: lab.backends[$0], "udp-name", "\(targetPort)", "backend-\($0)") }
            defer { servers.forEach { kill($0.processIdentifier, SIGKILL) } }
            let client = try lab.addClient()
            if family == .ipv6 { try lab.addIPv6() }
            let director = lab.director
            func inDirector(_ arguments: String...) throws {
                try Shell.run(["ip", "netns", "exec", director] + arguments)
            }
            try Shell.run("ip", "-n", director, "link", "add", "vip0", "type", "dummy")
            try Shell.run(["ip", "-n", director, "addr", "add", family.vipPrefix, "dev", "vip0"] + (family == .ipv6 ? ["nodad"] : []))
            try Shell.run("ip", "-n", director, "link", "set", "vip0", "up")
            // The UDP timeout goes from 30 s to 300 s so that no entry expires between the
            // listings under emulation.
            try inDirector("sysctl", "-qw", "net.ipv4.vs.conntrack=1", "net.netfilter.nf_conntrack_udp_timeout=300")
            // IPVS registers no conntrack hooks of its own (only for FTP): without a rule that
            // uses conntrack in the namespace, as kube-proxy's always do, the kernel tracks
            // nothing there and `conntrack -L` stays empty. This rule only counts.
            try inDirector("nft", "add table inet lab")
            try inDirector("nft", "add chain inet lab prerouting { type filter hook prerouting priority 0 ; }")
            try inDirector("nft", "add rule inet lab prerouting ct state invalid counter")
            let service = Endpoint.format(.literal(family.vip), servicePort)
            try inDirector("ipvsadm", "-A", "-u", service, "-s", "rr")
            for index in 0..<2 {
                try inDirector("ipvsadm", "-a", "-u", service, "-r", Endpoint.format(.literal(family.backend(index)), targetPort), "-m")
            }
            for backend in lab.backends {
                try LabWait.until("\(backend) listens on UDP \(targetPort)", seconds: 30) {
                    (try? Shell.run("ip", "netns", "exec", backend, "ss", "-lun"))?.contains(":\(targetPort)") == true
                }
            }
            let asked = try LabPeers.run(in: client, ["udp-ask", family.vip, "\(servicePort)"] + clientPorts.map(String.init))
            try #require(asked.status == 0, "udp-ask failed: \(asked.lines)")
            let answers = Dictionary(
                uniqueKeysWithValues: asked.lines.map { line in
                    let words = line.split(separator: " ").map(String.init)
                    return (words[0], words.count > 1 ? words[1] : "")
                })
            try #require(
                answers.count == clientPorts.count && answers.values.allSatisfy { $0.hasPrefix("backend-") },
                "every query must be answered: \(asked.lines)")
            try body(lab, answers)
        }

        @Test("deleting one backend's flows removes exactly its entries; the other backend's stay", arguments: Family.allCases)
        func deletesOneBackend(family: Family) throws {
            try Self.withFlows(family) { lab, answers in
                let backendA = family.backend(0)
                let before = try Self.entries(lab, family)
                let ofA = before.filter { $0.replySource == backendA }
                let ofB = before.subtracting(ofA)
                print(
                    "conntrack \(family) before: \(ofA.count) entries of backend A, \(ofB.count) of B:\n"
                        + before.map(\.description).sorted().joined(separator: "\n"))
                // Each answered query is one flow, and conntrack has one entry for each.
                #expect(ofA.count == answers.values.count { $0 == "backend-0" })
                #expect(ofB.count == answers.values.count { $0 == "backend-1" })
                #expect(!ofA.isEmpty && !ofB.isEmpty, "round robin must give both backends flows")
                #expect(ofB.allSatisfy { $0.replySource == family.backend(1) })

                let deleted = try KernelConntrack(namespace: .named(lab.director)).deleteFlows(matching: [Self.filter(family, backend: 0)])

                let after = try Self.entries(lab, family)
                print(
                    "conntrack \(family) after deleting \(deleted): \(after.count { $0.replySource == backendA }) entries of A, "
                        + "\(after.count { $0.replySource != backendA }) of B")
                #expect(deleted == ofA.count)
                #expect(after.allSatisfy { $0.replySource != backendA }, "entries of A left: \(after)")
                #expect(after == ofB, "B's entries changed: before \(ofB), after \(after)")
            }
        }

        @Test("a filter that matches nothing deletes nothing and changes nothing")
        func matchingNothing() throws {
            try Self.withFlows(.ipv4) { lab, _ in
                let before = try Self.entries(lab, .ipv4)
                #expect(before.count == Self.clientPorts.count)
                let table = KernelConntrack(namespace: .named(lab.director))
                // Backend A on another port, a backend not in the service, another service
                // port, TCP instead of UDP, the IPv6 twin.
                let misses = [
                    Self.filter(.ipv4, backend: 0, port: Self.targetPort + 1),
                    Self.filter(.ipv4, backend: 2),
                    Self.filter(.ipv4, virtualPort: Self.servicePort + 1, backend: 0),
                    Self.filter(.ipv4, backend: 0, protocol: .tcp),
                    Self.filter(.ipv6, backend: 0),
                ]
                #expect(try table.deleteFlows(matching: misses) == 0)
                #expect(try table.deleteFlows(matching: []) == 0)
                #expect(try Self.entries(lab, .ipv4) == before)
            }
        }
    }
}
