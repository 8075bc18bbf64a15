import IPVSCore
import IPVSNetlink
import Testing

extension KernelLab {
    @Suite
    struct RealServerTests {
        static let forwardings: [(ForwardingMethod, String)] = [
            (.masquerade, "-m"),
            (.directRoute, "-g"),
            (.tunnel(.ipip), "-i"),
            (.tunnel(Tunnel(kind: .gue, port: 6080, checksum: .checksum)), "-i"),
            (.tunnel(Tunnel(kind: .gue, port: 6081, checksum: .remoteChecksum)), "-i"),
            (.tunnel(Tunnel(kind: .gre, checksum: .checksum)), "-i"),
        ]

        /// What ipvsadm's save format prints after the weight (it never prints thresholds).
        static func tunnelOptions(_ forwarding: ForwardingMethod) -> String {
            guard case .tunnel(let tunnel) = forwarding else { return "" }
            var text = " --tun-type \(tunnel.kind)"
            if tunnel.kind == .gue { text += " --tun-port \(tunnel.port)" }
            switch tunnel.checksum {
            case .none: break
            case .checksum: text += " --tun-csum"
            case .remoteChecksum: text += " --tun-remcsum"
            }
            return text
        }

        static let families: [(service: VirtualServiceKey, realServer: IPAddress)] = [
            (.address(.literal("192.0.2.1"), port: 80, protocol: .tcp), .literal("203.0.113.10")),
            (.address(.literal("2001:db8::1"), port: 80, protocol: .tcp), .literal("2001:db8:f::10")),
            (.firewallMark(9, family: .inet), .literal("203.0.113.11")),
        ]

        @Test("every forwarding method, IPv4, IPv6 and firewall-mark services", arguments: 0..<3)
        func forwardingMethods(familyIndex: Int) throws {
            let (key, address) = Self.families[familyIndex]
            try LabNamespace.with { lab in
                try lab.client.addVirtualService(VirtualService(key: key, scheduler: .weightedRoundRobin))
                var expected: Set<String> = ["-A \(IPVSAdmSyntax.service(key)) -s wrr"]
                for (index, (forwarding, option)) in Self.forwardings.enumerated() {
                    let server = RealServer(
                        address: address, port: UInt16(8000 + index), forwarding: forwarding,
                        weight: UInt32(index + 1), upperThreshold: 100, lowerThreshold: 10)
                    try lab.client.addRealServer(server, to: key)
                    expected.insert(
                        "-a \(IPVSAdmSyntax.service(key)) -r \(Endpoint.format(address, server.port)) \(option) -w \(index + 1)\(Self.tunnelOptions(forwarding))"
                    )
                }
                let read = try lab.client.realServers(of: key).map(\.server)
                #expect(read.count == Self.forwardings.count)
                for (index, (forwarding, _)) in Self.forwardings.enumerated() {
                    let server = read.first { $0.port == UInt16(8000 + index) }
                    #expect(server?.forwarding == forwarding)
                    #expect(server?.address == address)
                    #expect(server?.weight == UInt32(index + 1))
                    #expect(server?.upperThreshold == 100)
                    #expect(server?.lowerThreshold == 10)
                }
                let saved = try lab.savedRules()
                #expect(saved == expected)
            }
        }

        @Test("edit and delete a real server; connection counts read")
        func editAndDelete() throws {
            try LabNamespace.with { lab in
                let key = VirtualServiceKey.address(.literal("192.0.2.1"), port: 80, protocol: .tcp)
                try lab.client.addVirtualService(VirtualService(key: key, scheduler: .roundRobin))
                var server = RealServer(address: .literal("203.0.113.20"), port: 8080, weight: 3)
                try lab.client.addRealServer(server, to: key)
                server.weight = 0
                server.upperThreshold = 50
                try lab.client.updateRealServer(server, in: key)
                let read = try lab.client.realServers(of: key)
                #expect(read.map(\.server) == [server])
                #expect(read.first?.activeConnections == 0)
                #expect(read.first?.inactiveConnections == 0)
                let saved = try lab.savedRules()
                #expect(saved.contains("-a -t 192.0.2.1:80 -r 203.0.113.20:8080 -m -w 0"), "\(saved)")
                // ipvsadm saves no thresholds; its listing shows them.
                let thresholds = try lab.ipvsadm("-Ln", "--thresholds")
                #expect(
                    thresholds.split(separator: "\n").contains { line in
                        line.contains("203.0.113.20:8080") && line.split(separator: " ").contains("50")
                    }, "\(thresholds)")
                try lab.client.deleteRealServer(server.key, from: key)
                #expect(try lab.client.realServers(of: key).isEmpty)
                let missing = #expect(throws: IPVSError.self) {
                    try lab.client.deleteRealServer(server.key, from: key)
                }
                #expect(missing?.errno == 2)  // ENOENT
                #expect(missing?.object == "TCP 192.0.2.1:80 -> 203.0.113.20:8080")
            }
        }

        @Test("an IPv6 tunnel real server behind an IPv4 service keeps its own family")
        func mixedFamilies() throws {
            try LabNamespace.with { lab in
                let key = VirtualServiceKey.address(.literal("192.0.2.1"), port: 80, protocol: .tcp)
                try lab.client.addVirtualService(VirtualService(key: key, scheduler: .roundRobin))
                let server = RealServer(address: .literal("2001:db8:f::30"), port: 80, forwarding: .tunnel(.ipip))
                try lab.client.addRealServer(server, to: key)
                #expect(try lab.client.realServers(of: key).map(\.server) == [server])
                // Only tunnels may cross families; the kernel refuses masquerade.
                let refused = #expect(throws: IPVSError.self) {
                    try lab.client.addRealServer(RealServer(address: .literal("2001:db8:f::31"), port: 80), to: key)
                }
                #expect(refused?.errno == 22)  // EINVAL
            }
        }
    }
}
