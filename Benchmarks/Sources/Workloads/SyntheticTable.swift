import IPVSCore

/// The benchmark table: `services` TCP virtual services of `realServersPerService` masquerade
/// real servers each, in the addresses the kernel-lab run and the floor (`ipvs-floor.c`) use, so
/// that host and kernel numbers describe the same shape:
/// virtual service `i` is 198.18.0.0 + i port 80 (the benchmarking range), its real servers are
/// 203.0.113.1... port 8000 + i % 1000.
public struct SyntheticTable: Sendable {
    public var services: Int
    public var realServersPerService: Int

    public init(services: Int, realServersPerService: Int = 10) {
        precondition(realServersPerService <= 250, "real servers are 203.0.113.1...250")
        self.services = services
        self.realServersPerService = realServersPerService
    }

    public var realServers: Int { services * realServersPerService }

    public static func virtualAddress(_ index: Int) -> IPAddress {
        .v4(IPv4Address(0xC612_0000 + UInt32(index)))
    }

    public static func targetPort(_ index: Int) -> UInt16 { UInt16(8000 + index % 1000) }

    public static func realServerAddress(_ index: Int) -> IPAddress {
        .v4(IPv4Address(203, 0, 113, UInt8(index % 250 + 1)))
    }

    /// The config file `apply` reads: one service per virtual service, default scheduler (`rr`),
    /// forwarding (masquerade) and weight (1), exactly what the floor and `ipvsadm -R` write.
    public func yaml() -> String {
        var text = "interface: ipvs0\nservices:\n"
        text.reserveCapacity(services * (96 + realServersPerService * 32))
        for index in 0..<services {
            text += "  - name: bench/s\(index)\n"
            text += "    clusterIPs: [\(Self.virtualAddress(index))]\n"
            text += "    ports: [{port: 80, targetPort: \(Self.targetPort(index))}]\n"
            text += "    endpoints:\n"
            for server in 0..<realServersPerService {
                text += "      - {address: \(Self.realServerAddress(server))}\n"
            }
        }
        return text
    }

    /// What a full read of the kernel returns once the table is in place.
    public static func observed(_ desired: DesiredKernelState) -> [ObservedTableEntry] {
        desired.virtualServices.map { service in
            ObservedTableEntry(
                virtualService: ObservedVirtualService(service: service.service),
                realServers: service.realServers.map { ObservedRealServer(server: $0) })
        }
    }

    /// The ledger after a successful apply of `desired`: every virtual service and VIP is ours.
    public static func ledger(owning desired: DesiredKernelState) -> Ledger {
        Ledger(virtualServices: Set(desired.virtualServices.map(\.service.key)), addresses: desired.addresses)
    }

    /// The W2 churn: every 100th service loses its last real server, gains one, and its first
    /// two real servers change weight. Four kernel commands per changed service.
    public static func churned(_ desired: DesiredKernelState) -> DesiredKernelState {
        var changed = desired
        for index in stride(from: 0, to: changed.virtualServices.count, by: 100) {
            var servers = changed.virtualServices[index].realServers
            guard servers.count >= 2, let last = servers.popLast() else { continue }
            var added = last
            added.address = realServerAddress(servers.count + 1)
            servers.append(added)
            servers[0].weight = 2
            servers[1].weight = 2
            changed.virtualServices[index].realServers = servers
        }
        return changed
    }
}
