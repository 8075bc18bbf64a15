import IPVSCore

/// The kernel puts a real server of the other address family behind a virtual service only when
/// it tunnels to it (IPv6 in IPv4 or the reverse); masquerading and direct routing need one family.
/// A service may be dual-stack (IPv4 and IPv6 VIPs): then each virtual service takes the
/// endpoints of its own family, so every endpoint must match at least one of the service's families.
enum AddressFamilyRules {
    /// `nodeFamilies`: the families of the fleet's node addresses, where node ports are served.
    static func check(_ service: DecodedService, nodeFamilies: Set<AddressFamily>) {
        guard service.incomplete.isDisjoint(with: [.addresses, .firewallMark, .ports]) else { return }
        let families = virtualServiceFamilies(service, nodeFamilies: nodeFamilies)
        checkPrefixLength(service, families: families)
        guard !service.incomplete.contains(.forwarding), service.forwarding != .tunnel, !families.isEmpty else { return }
        for endpoint in service.endpoints where !families.contains(endpoint.address.value.family) {
            let served = families.sorted { $0.rawValue < $1.rawValue }.map(\.description).joined(separator: " and ")
            endpoint.address.node.report(
                .mixedFamilies,
                "endpoint \(endpoint.address.value) is \(endpoint.address.value.family) but the service's virtual services are \(served) only; the kernel mixes families only with forwarding: tunnel"
            )
        }
    }

    /// The families of the virtual services this service makes: its VIPs', its firewall
    /// mark's, and its node ports' (the node addresses').
    static func virtualServiceFamilies(_ service: DecodedService, nodeFamilies: Set<AddressFamily>) -> Set<AddressFamily> {
        var families = Set<AddressFamily>()
        for address in service.virtualIPs { families.insert(address.value.family) }
        if let mark = service.firewallMark { families.insert(mark.spec.family) }
        if service.ports.contains(where: { $0.nodePort != nil }) { families.formUnion(nodeFamilies) }
        return families
    }

    /// One prefix length serves every virtual service of the service, so it must fit IPv4's 32
    /// bits when any of them is IPv4.
    private static func checkPrefixLength(_ service: DecodedService, families: Set<AddressFamily>) {
        guard let prefix = service.prefixLength, families.contains(.inet), prefix.value > Limits.ipv4PrefixLength else { return }
        prefix.node.report(
            .outOfRange,
            "prefixLength \(prefix.value) is out of range 1...\(Limits.ipv4PrefixLength) for this service's IPv4 virtual services")
    }
}
