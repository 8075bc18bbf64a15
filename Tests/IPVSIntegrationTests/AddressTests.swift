import Foundation
import IPVSCore
import IPVSNetlink
import Testing

extension KernelLab {
    /// The VIP interface: the dummy link, its addresses over rtnetlink, and real traffic to a VIP.
    /// `ip` is the independent witness in both directions.
    @Suite
    struct AddressTests {
        static let interface = InterfaceAddressClient.defaultInterface

        static func client(_ lab: LabNamespace) throws -> InterfaceAddressClient {
            try InterfaceAddressClient(namespace: .named(lab.name))
        }

        /// `ip -o addr show dev IF` as "address/prefix" strings, IPv6 link-local left out.
        static func witness(_ lab: LabNamespace, _ interface: String = interface) throws -> Set<String> {
            var result = Set<String>()
            for line in try Shell.run("ip", "-n", lab.name, "-o", "addr", "show", "dev", interface).split(separator: "\n") {
                let fields = line.split(whereSeparator: \.isWhitespace)
                guard let at = fields.firstIndex(where: { $0 == "inet" || $0 == "inet6" }), at + 1 < fields.count else { continue }
                let address = String(fields[at + 1])
                if !address.hasPrefix("fe80:") { result.insert(address) }
            }
            return result
        }

        static func link(_ lab: LabNamespace, _ interface: String = interface) throws -> String {
            try Shell.run("ip", "-n", lab.name, "-d", "-o", "link", "show", "dev", interface)
        }

        /// The flags between `<` and `>` of `ip link`'s line.
        static func flags(_ line: String) -> Set<Substring> {
            guard let open = line.firstIndex(of: "<"), let close = line.firstIndex(of: ">") else { return [] }
            return Set(line[line.index(after: open)..<close].split(separator: ","))
        }

        /// Runs a command that daemonizes and returns its exit status, with /dev/null as its
        /// standard streams and every other descriptor of ours closed. Neither `Shell` nor
        /// `Process` will do: the daemon inherits the descriptors they watch for the command's
        /// end, and they wait for it forever.
        static func spawnDaemon(_ arguments: [String]) -> Int32 {
            var actions = posix_spawn_file_actions_t()
            posix_spawn_file_actions_init(&actions)
            defer { posix_spawn_file_actions_destroy(&actions) }
            posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
            posix_spawn_file_actions_addopen(&actions, 1, "/dev/null", O_WRONLY, 0)
            posix_spawn_file_actions_addopen(&actions, 2, "/dev/null", O_WRONLY, 0)
            let open = ((try? FileManager.default.contentsOfDirectory(atPath: "/proc/self/fd")) ?? []).compactMap { Int32($0) }
            for descriptor in open where descriptor > 2 && fcntl(descriptor, F_GETFD) >= 0 {
                posix_spawn_file_actions_addclose(&actions, descriptor)
            }
            let argv = (["/usr/bin/env"] + arguments).map { strdup($0) } + [nil]
            defer { argv.forEach { free($0) } }
            var pid: pid_t = 0
            guard posix_spawn(&pid, "/usr/bin/env", &actions, nil, argv, environ) == 0 else { return -1 }
            var status: Int32 = 0
            while waitpid(pid, &status, 0) < 0 && errno == EINTR {}
            return status
        }

        /// 198.18.0.1, 198.18.0.2, ... (the benchmarking range 198.18.0.0/15).
        static func bulk(_ count: Int) -> [IPAddress] {
            (1...count).map { .v4(IPv4Address(0xC612_0000 + UInt32($0))) }
        }

        @Test("the dummy interface is created up, reused, set up again when down")
        func dummyInterface() throws {
            try LabNamespace.with { lab in
                let client = try Self.client(lab)
                #expect(try client.addresses(on: Self.interface).isEmpty)  // not there yet: nothing, no error
                #expect(throws: IPVSError.self) {
                    _ = try client.apply(adding: [.literal("198.51.100.1")], removing: [], on: Self.interface)
                }

                let index = try client.ensureDummyInterface(named: Self.interface)
                let line = try Self.link(lab)
                #expect(line.hasPrefix("\(index): \(Self.interface): "))
                #expect(line.contains(" dummy "))
                #expect(Self.flags(line).contains("UP"))
                #expect(try client.ensureDummyInterface(named: Self.interface) == index)

                try Shell.run("ip", "-n", lab.name, "link", "set", Self.interface, "down")
                #expect(!Self.flags(try Self.link(lab)).contains("UP"))
                #expect(try client.ensureDummyInterface(named: Self.interface) == index)
                #expect(Self.flags(try Self.link(lab)).contains("UP"))

                // A dummy someone else made is a dummy: it is adopted, not refused.
                try Shell.run("ip", "-n", lab.name, "link", "add", "vip1", "type", "dummy")
                let other = try client.ensureDummyInterface(named: "vip1")
                #expect(try Self.link(lab, "vip1").hasPrefix("\(other): vip1: "))
                #expect(Self.flags(try Self.link(lab, "vip1")).contains("UP"))

                for bad in ["", "a-name-that-is-too-long", "a/b", "a b", "..", "a:b"] {
                    let error = #expect(throws: IPVSError.self) { _ = try client.ensureDummyInterface(named: bad) }
                    #expect(error?.errno == EINVAL)
                }
                #expect(client.counters.socketsOpened == 1)
            }
        }

        @Test("a link of that name that is not a dummy is refused and left untouched")
        func foreignInterface() throws {
            try LabNamespace.with { lab in
                try Shell.run("ip", "-n", lab.name, "link", "add", Self.interface, "type", "veth", "peer", "name", "ipvs0-peer")
                try Shell.run("ip", "-n", lab.name, "addr", "add", "192.0.2.77/32", "dev", Self.interface)
                let linkBefore = try Self.link(lab)
                let addressesBefore = try Self.witness(lab)
                #expect(linkBefore.contains(" veth "))

                let client = try Self.client(lab)
                let error = #expect(throws: IPVSError.self) { _ = try client.ensureDummyInterface(named: Self.interface) }
                #expect(error?.code == .commandFailed)
                #expect(error?.errno == EEXIST)
                #expect(error?.message.contains("veth") == true)
                let applyError = #expect(throws: IPVSError.self) {
                    _ = try client.apply(adding: [.literal("198.51.100.1")], removing: [.literal("192.0.2.77")], on: Self.interface)
                }
                #expect(applyError?.errno == EEXIST)

                #expect(try Self.link(lab) == linkBefore)
                #expect(!Self.flags(linkBefore).contains("UP"))
                #expect(try Self.witness(lab) == addressesBefore)
                // Reading is harmless, and reads what is there.
                #expect(try client.addresses(on: Self.interface) == [.literal("192.0.2.77")])
            }
        }

        @Test("IPv4 and IPv6 addresses are added, read back, local, and removed")
        func addReadRemove() throws {
            try LabNamespace.with { lab in
                let client = try Self.client(lab)
                _ = try client.ensureDummyInterface(named: Self.interface)
                let addresses: [IPAddress] = [
                    .literal("198.51.100.10"), .literal("198.51.100.11"),
                    .literal("2001:db8:1::10"), .literal("2001:db8:1::11"),
                ]
                let added = try client.apply(adding: addresses, removing: [], on: Self.interface)
                #expect(added.succeeded)
                #expect(added.added == addresses)
                #expect(added.alreadyPresent.isEmpty)

                #expect(try client.addresses(on: Self.interface) == Set(addresses))
                #expect(try Self.witness(lab) == ["198.51.100.10/32", "198.51.100.11/32", "2001:db8:1::10/128", "2001:db8:1::11/128"])
                // nodad: usable at once, never tentative.
                let shown = try Shell.run("ip", "-n", lab.name, "-o", "addr", "show", "dev", Self.interface)
                #expect(!shown.contains("tentative"))
                // Local: the kernel routes them to this host (table local), which is what IPVS needs.
                #expect(try Shell.run("ip", "-n", lab.name, "route", "get", "198.51.100.10").hasPrefix("local 198.51.100.10 "))
                #expect(try Shell.run("ip", "-n", lab.name, "-6", "route", "get", "2001:db8:1::10").hasPrefix("local 2001:db8:1::10 "))

                let removed = try client.apply(adding: [], removing: [addresses[0], addresses[2]], on: Self.interface)
                #expect(removed.succeeded)
                #expect(removed.removed == [addresses[0], addresses[2]])
                #expect(try client.addresses(on: Self.interface) == [addresses[1], addresses[3]])
                #expect(try Self.witness(lab) == ["198.51.100.11/32", "2001:db8:1::11/128"])
                let route = try Shell.runCapturing(["ip", "-n", lab.name, "route", "get", "198.51.100.10"])
                #expect(!route.stdout.hasPrefix("local"))
            }
        }

        @Test("adding what is there and removing what is gone are not failures; ip's changes are read")
        func idempotent() throws {
            try LabNamespace.with { lab in
                let client = try Self.client(lab)
                _ = try client.ensureDummyInterface(named: Self.interface)
                let addresses: [IPAddress] = [.literal("203.0.113.20"), .literal("2001:db8:2::20")]
                #expect(try client.apply(adding: addresses, removing: [], on: Self.interface).added == addresses)

                let again = try client.apply(
                    adding: addresses, removing: [.literal("203.0.113.21"), .literal("2001:db8:2::21")],
                    on: Self.interface)
                #expect(again.succeeded)
                #expect(again.added.isEmpty && again.removed.isEmpty)
                #expect(again.alreadyPresent == addresses)
                #expect(again.alreadyAbsent == [.literal("203.0.113.21"), .literal("2001:db8:2::21")])
                #expect(try Self.witness(lab) == ["203.0.113.20/32", "2001:db8:2::20/128"])

                // The other direction: what `ip` adds we read, and may remove.
                try Shell.run("ip", "-n", lab.name, "addr", "add", "203.0.113.22/32", "dev", Self.interface)
                try Shell.run("ip", "-n", lab.name, "addr", "add", "2001:db8:2::22/128", "dev", Self.interface, "nodad")
                #expect(
                    try client.addresses(on: Self.interface) == Set(addresses + [.literal("203.0.113.22"), .literal("2001:db8:2::22")]))
                let removed = try client.apply(
                    adding: [], removing: [.literal("203.0.113.22"), .literal("2001:db8:2::22")], on: Self.interface)
                #expect(removed.removed.count == 2)
                #expect(try Self.witness(lab) == ["203.0.113.20/32", "2001:db8:2::20/128"])
                // No address on another interface leaks into the dump (rs0 holds the lab's networks).
                #expect(try client.addresses(on: "rs0") == [.literal("203.0.113.254"), .literal("2001:db8:f::fe")])
                #expect(client.counters.socketsOpened == 1)
            }
        }

        @Test("a refused address is reported by name; the rest of the batch is applied")
        func perAddressFailures() throws {
            try LabNamespace.with { lab in
                let client = try Self.client(lab)
                _ = try client.ensureDummyInterface(named: Self.interface)
                try Shell.run("ip", "netns", "exec", lab.name, "sysctl", "-q", "-w", "net.ipv6.conf.\(Self.interface).disable_ipv6=1")
                let result = try client.apply(
                    adding: [.literal("198.51.100.30"), .literal("2001:db8:3::30"), .literal("198.51.100.31")],
                    removing: [], on: Self.interface)
                #expect(result.added == [.literal("198.51.100.30"), .literal("198.51.100.31")])
                #expect(result.failures.count == 1)
                let failure = try #require(result.failures.first)
                #expect(failure.change == .add)
                #expect(failure.address == .literal("2001:db8:3::30"))
                #expect(failure.error.errno == EACCES)
                #expect(failure.error.object == "2001:db8:3::30 on \(Self.interface)")
                #expect(failure.description.contains("disable_ipv6"))
                #expect(try Self.witness(lab) == ["198.51.100.30/32", "198.51.100.31/32"])
            }
        }

        @Test("2,000 addresses are added in one call, in batches, and read back in one dump")
        func bulk() throws {
            try LabNamespace.with { lab in
                let client = try Self.client(lab)
                _ = try client.ensureDummyInterface(named: Self.interface)
                let addresses = Self.bulk(2000)
                let clock = ContinuousClock()
                var result = AddressChangeResult()
                let addTime = try clock.measure { result = try client.apply(adding: addresses, removing: [], on: Self.interface) }
                #expect(result.succeeded)
                #expect(result.added.count == 2000)
                let batches = (2000 + client.configuration.maximumBatchMessages - 1) / client.configuration.maximumBatchMessages
                #expect(batches == 2)
                #expect(client.counters.datagramsSent == batches)
                #expect(client.counters.addressRequests == 2000)

                // Again: 2,000 error replies (EEXIST), 1,024 queued per datagram before we read
                // any; none may be lost.
                let again = try client.apply(adding: addresses, removing: [], on: Self.interface)
                #expect(again.succeeded)
                #expect(again.alreadyPresent.count == 2000)

                var read = Set<IPAddress>()
                let readTime = try clock.measure { read = try client.addresses(on: Self.interface) }
                #expect(read == Set(addresses))
                #expect(client.counters.dumps == 1)
                #expect(try Self.witness(lab) == Set(addresses.map { "\($0)/32" }))

                var removal = AddressChangeResult()
                let removeTime = try clock.measure { removal = try client.apply(adding: [], removing: addresses, on: Self.interface) }
                #expect(removal.removed.count == 2000)
                #expect(try Self.witness(lab).isEmpty)
                print("address bulk: 2000 added in \(addTime), read in \(readTime), removed in \(removeTime)")
            }
        }

        @Test("real traffic: an HTTP request to a VIP on the dummy reaches the backend behind IPVS")
        func traffic() throws {
            try LabNamespace.with { lab in
                let vip = IPAddress.literal("198.51.100.80")
                let backend = "\(lab.name)-be"
                try Shell.run("ip", "netns", "add", backend)
                defer { _ = try? Shell.run("ip", "netns", "delete", backend) }
                try Shell.run("ip", "-n", lab.name, "link", "add", "vb0", "type", "veth", "peer", "name", "eth0", "netns", backend)
                try Shell.run("ip", "-n", lab.name, "addr", "add", "192.0.2.1/24", "dev", "vb0")
                try Shell.run("ip", "-n", lab.name, "link", "set", "vb0", "up")
                try Shell.run("ip", "-n", backend, "link", "set", "lo", "up")
                try Shell.run("ip", "-n", backend, "addr", "add", "192.0.2.2/24", "dev", "eth0")
                try Shell.run("ip", "-n", backend, "link", "set", "eth0", "up")
                try Shell.run("ip", "-n", backend, "route", "add", "default", "via", "192.0.2.1")

                let root = FileManager.default.temporaryDirectory.appendingPathComponent("\(backend)-www")
                try FileManager.default.createDirectory(at: root, withIntermediateDirectories: true)
                defer { try? FileManager.default.removeItem(at: root) }
                let marker = "backend \(backend)"
                try Data("\(marker)\n".utf8).write(to: root.appendingPathComponent("index.html"))
                // httpd daemonizes; every process left in the backend namespace is that daemon,
                // ended by id.
                defer {
                    let pids = (try? Shell.run("ip", "netns", "pids", backend)) ?? ""
                    for pid in pids.split(separator: "\n").compactMap({ Int32($0) }) { kill(pid, SIGTERM) }
                }
                try #require(Self.spawnDaemon(["ip", "netns", "exec", backend, "busybox", "httpd", "-p", "80", "-h", root.path]) == 0)
                // busybox nc as the client (busybox-static's wget crashes resolving); HTTP/1.0 closes.
                func get(_ address: String) throws -> (status: Int32, stdout: String, stderr: String) {
                    try Shell.runCapturing(
                        ["ip", "netns", "exec", lab.name, "busybox", "nc", "-w", "5", address, "80"],
                        input: "GET / HTTP/1.0\r\n\r\n")
                }
                var ready = false
                for _ in 0..<50 where !ready {
                    ready = try get("192.0.2.2").stdout.contains(marker)
                    if !ready { usleep(100_000) }
                }
                try #require(ready, "busybox httpd in the backend namespace never answered")

                let addresses = try Self.client(lab)
                _ = try addresses.ensureDummyInterface(named: Self.interface)
                #expect(try addresses.apply(adding: [vip], removing: [], on: Self.interface).added == [vip])
                let key = VirtualServiceKey.address(vip, port: 80, protocol: .tcp)
                try lab.client.addVirtualService(VirtualService(key: key, scheduler: .roundRobin))
                try lab.client.addRealServer(RealServer(address: .literal("192.0.2.2"), port: 80, forwarding: .masquerade), to: key)

                let answer = try get("\(vip)")
                #expect(answer.stdout.hasPrefix("HTTP/1.1 200"))
                #expect(answer.stdout.contains(marker))
                // The connection went through IPVS: the real server holds it (counters lag: the
                // kernel sums them every 2 s).
                let server = try #require(try lab.client.realServers(of: key).first)
                #expect(server.activeConnections + server.inactiveConnections >= 1)

                // Without the VIP on the dummy the director has no route to it: nothing reaches IPVS.
                #expect(try addresses.apply(adding: [], removing: [vip], on: Self.interface).removed == [vip])
                let unreachable = try get("\(vip)")
                #expect(unreachable.status != 0)
                #expect(!unreachable.stdout.contains(marker))
            }
        }
    }
}
