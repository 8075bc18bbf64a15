import IPVSCore
import IPVSNetlink
import Testing

extension KernelLab {
    /// What ipvsadm writes, we read back field for field.
    @Suite
    struct IPVSAdmCrossCheckTests {
        @Test("objects created by ipvsadm read back exactly")
        func readWhatIPVSAdmWrote() throws {
            let rules = """
                -A -t 192.0.2.1:80 -s wrr -p 300 -M 255.255.255.0
                -a -t 192.0.2.1:80 -r 203.0.113.1:8080 -m -w 5 -x 100 -y 10
                -a -t 192.0.2.1:80 -r 203.0.113.2 -g -w 0
                -A -u [2001:db8::53]:53 -s mh -b mh-fallback,mh-port
                -a -u [2001:db8::53]:53 -r [2001:db8:f::53]:5353 -m -w 1
                -A --sctp-service 192.0.2.2:3868 -s lc
                -a --sctp-service 192.0.2.2:3868 -r 203.0.113.3:3868 -i -w 2
                -A -f 42 -s sh -b sh-port
                -a -f 42 -r 203.0.113.4:0 -i -w 1 --tun-type gue --tun-port 6080 --tun-csum
                -A -u 192.0.2.3:53 -s rr -o

                """
            try LabNamespace.with { lab in
                try lab.restore(rules)
                let table = try lab.client.table()
                let byKey = Dictionary(uniqueKeysWithValues: table.map { ($0.virtualService.service.key, $0) })

                let web = VirtualServiceKey.address(.literal("192.0.2.1"), port: 80, protocol: .tcp)
                #expect(
                    byKey[web]?.virtualService.service
                        == VirtualService(
                            key: web, scheduler: .weightedRoundRobin, flags: .persistent, timeout: 300, netmask: 0xFFFF_FF00))
                #expect(
                    Set(byKey[web]?.realServers.map(\.server) ?? []) == [
                        RealServer(
                            address: .literal("203.0.113.1"), port: 8080, forwarding: .masquerade, weight: 5, upperThreshold: 100,
                            lowerThreshold: 10),
                        // ipvsadm gives direct-route servers the service's port.
                        RealServer(address: .literal("203.0.113.2"), port: 80, forwarding: .directRoute, weight: 0),
                    ])

                let dns = VirtualServiceKey.address(.literal("2001:db8::53"), port: 53, protocol: .udp)
                #expect(
                    byKey[dns]?.virtualService.service
                        == VirtualService(
                            key: dns, scheduler: .maglevHashing, flags: [.maglevFallback, .maglevPort]))
                #expect(
                    byKey[dns]?.realServers.map(\.server) == [
                        RealServer(address: .literal("2001:db8:f::53"), port: 5353, forwarding: .masquerade, weight: 1)
                    ])

                let diameter = VirtualServiceKey.address(.literal("192.0.2.2"), port: 3868, protocol: .sctp)
                #expect(byKey[diameter]?.virtualService.service == VirtualService(key: diameter, scheduler: .leastConnection))
                #expect(
                    byKey[diameter]?.realServers.map(\.server) == [
                        RealServer(address: .literal("203.0.113.3"), port: 3868, forwarding: .tunnel(.ipip), weight: 2)
                    ])

                let marked = VirtualServiceKey.firewallMark(42, family: .inet)
                #expect(
                    byKey[marked]?.virtualService.service == VirtualService(key: marked, scheduler: .sourceHashing, flags: .sourceHashPort))
                #expect(
                    byKey[marked]?.realServers.map(\.server) == [
                        RealServer(
                            address: .literal("203.0.113.4"), port: 0,
                            forwarding: .tunnel(Tunnel(kind: .gue, port: 6080, checksum: .checksum)), weight: 1)
                    ])

                let onePacket = VirtualServiceKey.address(.literal("192.0.2.3"), port: 53, protocol: .udp)
                #expect(
                    byKey[onePacket]?.virtualService.service == VirtualService(key: onePacket, scheduler: .roundRobin, flags: .onePacket))
                #expect(table.count == 5)
            }
        }

        @Test("what we write, ipvsadm saves as the same rules, and they restore to the same table")
        func ipvsadmReadsWhatWeWrote() throws {
            try LabNamespace.with { lab in
                let web = VirtualServiceKey.address(.literal("192.0.2.1"), port: 80, protocol: .tcp)
                try lab.client.addVirtualService(VirtualService(key: web, scheduler: .weightedRoundRobin, flags: .persistent, timeout: 300))
                try lab.client.addRealServer(RealServer(address: .literal("203.0.113.1"), port: 8080, weight: 5), to: web)
                let written = try lab.client.table()
                let saved = try lab.ipvsadm("-Sn")
                #expect(
                    Set(saved.split(separator: "\n").map(String.init)) == [
                        "-A -t 192.0.2.1:80 -s wrr -p 300",
                        "-a -t 192.0.2.1:80 -r 203.0.113.1:8080 -m -w 5",
                    ])
                try lab.ipvsadm("-C")
                try lab.restore(saved)
                #expect(try lab.client.table().map(\.virtualService.service) == written.map(\.virtualService.service))
                #expect(try lab.client.table().map { $0.realServers.map(\.server) } == written.map { $0.realServers.map(\.server) })
            }
        }
    }
}
