import IPVSCore
import IPVSNetlink
import Testing

extension KernelLab {
    @Suite
    struct KernelSettingsTests {
        @Test("info, timeouts and zeroing counters")
        func settings() throws {
            try LabNamespace.with { lab in
                let info = try lab.client.info()
                #expect(info.versionString == "1.2.1")
                #expect(info.connectionTableSize == 4096)

                #expect(try lab.client.timeouts() == Timeouts(tcp: 900, tcpFin: 120, udp: 300))
                try lab.client.setTimeouts(Timeouts(tcp: 1000, tcpFin: 100, udp: 200))
                #expect(try lab.client.timeouts() == Timeouts(tcp: 1000, tcpFin: 100, udp: 200))
                #expect(try lab.ipvsadm("-L", "--timeout").contains("Timeout (tcp tcpfin udp): 1000 100 200"))
                // 0 leaves a timeout as it is.
                try lab.client.setTimeouts(Timeouts(tcp: 0, tcpFin: 0, udp: 30))
                #expect(try lab.client.timeouts() == Timeouts(tcp: 1000, tcpFin: 100, udp: 30))

                let key = VirtualServiceKey.address(.literal("192.0.2.1"), port: 80, protocol: .tcp)
                try lab.client.addVirtualService(VirtualService(key: key, scheduler: .roundRobin))
                try lab.client.zeroCounters(of: key)
                try lab.client.zeroCounters()
                #expect(try lab.client.virtualService(key)?.statistics == Statistics())
            }
        }

        @Test("flush empties the namespace's table and no other")
        func flush() throws {
            try LabNamespace.with { other in
                try other.client.addVirtualService(VirtualService(key: .firewallMark(1, family: .inet)))
                try LabNamespace.with { lab in
                    try lab.client.addVirtualService(VirtualService(key: .firewallMark(1, family: .inet)))
                    try lab.client.flush()
                    #expect(try lab.client.virtualServices().isEmpty)
                }
                #expect(try other.client.virtualServices().count == 1)
            }
        }
    }
}
