import IPVSCore
import IPVSNetlink
import Testing

extension KernelLab {
    /// Virtual services against the real kernel, checked with ipvsadm as the independent witness.
    @Suite
    struct VirtualServiceTests {
        static let keys: [VirtualServiceKey] = [
            .address(.literal("192.0.2.1"), port: 80, protocol: .tcp),
            .address(.literal("192.0.2.2"), port: 53, protocol: .udp),
            .address(.literal("192.0.2.3"), port: 3868, protocol: .sctp),
            .address(.literal("2001:db8::1"), port: 443, protocol: .tcp),
            .address(.literal("2001:db8::2"), port: 53, protocol: .udp),
            .address(.literal("2001:db8::3"), port: 3868, protocol: .sctp),
            .firewallMark(7, family: .inet),
            .firewallMark(8, family: .inet6),
        ]

        @Test("create, get, dump, edit and delete", arguments: keys)
        func lifecycle(key: VirtualServiceKey) throws {
            try LabNamespace.with { lab in
                let service = VirtualService(key: key, scheduler: .roundRobin)
                try lab.client.addVirtualService(service)
                #expect(try lab.client.virtualService(key)?.service == service)
                #expect(try lab.client.virtualServices().map(\.service) == [service])
                #expect(try lab.savedRules() == ["-A \(IPVSAdmSyntax.service(key)) -s rr"])

                var edited = service
                edited.scheduler = .weightedLeastConnection
                edited.flags = [.persistent]
                edited.timeout = 600
                try lab.client.updateVirtualService(edited)
                #expect(try lab.client.virtualService(key)?.service == edited)
                #expect(try lab.savedRules() == ["-A \(IPVSAdmSyntax.service(key)) -s wlc -p 600"])

                try lab.client.deleteVirtualService(key)
                #expect(try lab.client.virtualServices().isEmpty)
                #expect(try lab.client.virtualService(key) == nil)
                #expect(try lab.savedRules().isEmpty)
                #expect(lab.client.counters.socketsOpened == 1)
            }
        }

        @Test("every scheduler the kernel ships")
        func everyScheduler() throws {
            let schedulers = LabKernel.schedulers
            // Debian's 6.1 kernel ships all but twos (added in 6.2).
            #expect(schedulers.count >= 13)
            try LabNamespace.with { lab in
                for (index, scheduler) in schedulers.enumerated() {
                    let key = VirtualServiceKey.address(.v4(IPv4Address(192, 0, 2, UInt8(10 + index))), port: 80, protocol: .tcp)
                    try lab.client.addVirtualService(VirtualService(key: key, scheduler: scheduler))
                    #expect(try lab.client.virtualService(key)?.service.scheduler == scheduler)
                    #expect(try lab.savedRules().contains("-A \(IPVSAdmSyntax.service(key)) -s \(scheduler.rawValue)"))
                }
                #expect(try lab.client.virtualServices().count == schedulers.count)
            }
        }

        @Test("persistence, netmasks, one-packet and scheduler flags read back as written")
        func flagsAndPersistence() throws {
            let v4 = IPAddress.literal("192.0.2.20"), v6 = IPAddress.literal("2001:db8::20")
            let cases: [(VirtualService, String)] = [
                (
                    VirtualService(
                        key: .address(v4, port: 80, protocol: .tcp), scheduler: .roundRobin,
                        flags: .persistent, timeout: 300, netmask: 0xFFFF_FF00),
                    "-A -t 192.0.2.20:80 -s rr -p 300 -M 255.255.255.0"
                ),
                (
                    VirtualService(
                        key: .address(v6, port: 80, protocol: .tcp), scheduler: .roundRobin,
                        flags: .persistent, timeout: 120, netmask: 64),
                    "-A -t [2001:db8::20]:80 -s rr -p 120 -M 64"
                ),
                (
                    VirtualService(key: .address(v4, port: 53, protocol: .udp), scheduler: .roundRobin, flags: .onePacket),
                    "-A -u 192.0.2.20:53 -s rr -o"
                ),
                (
                    VirtualService(
                        key: .address(v4, port: 81, protocol: .tcp), scheduler: .sourceHashing,
                        flags: [.sourceHashFallback, .sourceHashPort]),
                    "-A -t 192.0.2.20:81 -s sh -b sh-fallback,sh-port"
                ),
                (
                    VirtualService(
                        key: .address(v4, port: 82, protocol: .tcp), scheduler: .maglevHashing,
                        flags: [.maglevFallback, .maglevPort]),
                    "-A -t 192.0.2.20:82 -s mh -b mh-fallback,mh-port"
                ),
                (
                    VirtualService(
                        key: .address(v4, port: 5060, protocol: .udp), scheduler: .roundRobin,
                        flags: .persistent, timeout: 360, persistenceEngine: "sip"),
                    "-A -u 192.0.2.20:5060 -s rr -p 360 --pe sip"
                ),
            ]
            try LabNamespace.with { lab in
                for (service, rule) in cases {
                    try lab.client.addVirtualService(service)
                    #expect(try lab.client.virtualService(service.key)?.service == service)
                    #expect(try lab.savedRules().contains(rule), "ipvsadm should show \(rule)")
                }
                #expect(Set(try lab.client.virtualServices().map(\.service)) == Set(cases.map(\.0)))
            }
        }

        @Test("the kernel's refusals are typed and name their object")
        func refusals() throws {
            try LabNamespace.with { lab in
                let key = VirtualServiceKey.address(.literal("192.0.2.30"), port: 80, protocol: .tcp)
                let error = #expect(throws: IPVSError.self) {
                    try lab.client.addVirtualService(VirtualService(key: key, scheduler: "nosuch"))
                }
                #expect(error?.code == .commandFailed)
                #expect(error?.errno == 2)  // ENOENT
                #expect(error?.object == "TCP 192.0.2.30:80")
                #expect(error?.description.contains("nosuch") == true)

                try lab.client.addVirtualService(VirtualService(key: key, scheduler: .roundRobin))
                let duplicate = #expect(throws: IPVSError.self) {
                    try lab.client.addVirtualService(VirtualService(key: key, scheduler: .roundRobin))
                }
                #expect(duplicate?.errno == 17)  // EEXIST
                let missing = #expect(throws: IPVSError.self) {
                    try lab.client.deleteVirtualService(.address(.literal("192.0.2.31"), port: 80, protocol: .tcp))
                }
                #expect(missing?.errno == 3)  // ESRCH
                // A refused command leaves the socket usable.
                #expect(try lab.client.virtualServices().count == 1)
                #expect(lab.client.counters.socketsOpened == 1)
            }
        }
    }
}

/// How ipvsadm spells things in `-S` output.
enum IPVSAdmSyntax {
    static func service(_ key: VirtualServiceKey) -> String {
        switch key {
        case .address(let address, let port, let proto):
            let option =
                switch proto {
                case .tcp: "-t"
                case .udp: "-u"
                case .sctp: "--sctp-service"
                }
            return "\(option) \(Endpoint.format(address, port))"
        case .firewallMark(let mark, .inet):
            return "-f \(mark)"
        case .firewallMark(let mark, .inet6):
            return "-f \(mark) -6"
        }
    }
}
