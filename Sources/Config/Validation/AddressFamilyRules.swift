import IPVSCore

/// The kernel puts a real server of the other address family behind a virtual service only when
/// it tunnels to it (IPv6 in IPv4 or the reverse); masquerading and direct routing need one family.
/// A service may be dual-stack (IPv4 and IPv6 VIPs): then each virtual service takes the
/// endpoints of its own family, so every endpoint must match at least one of the service's families.
enum AddressFamilyRules {
    /// `nodeFamilies`: the families of the fleet's node addresses, where node ports are served.
    static func check(_ service: DecodedService, nodeFamilies: AddressFamilies) {
        guard service.incomplete.isDisjoint(with: [.addresses, .firewallMark, .ports]) else { return }
        let families = virtualServiceFamilies(service, nodeFamilies: nodeFamilies)
        checkPrefixLength(service, families: families)
        guard !service.incomplete.contains(.forwarding), service.forwarding != .tunnel, !families.isEmpty,
            // Asked first, in place: a loop over the array copies each endpoint, retaining what
            // it holds, 100,000 times in a 10,000-service file.
            service.endpoints.withUnsafeBufferPointer({ endpoints in
                endpoints.indices.contains { !families.contains(AddressFamilies(endpoints[$0].spec.address.family)) }
            })
        else { return }
        for endpoint in service.endpoints where !families.contains(AddressFamilies(endpoint.spec.address.family)) {
            let served = families.description
            endpoint.addressNode.report(
                .mixedFamilies,
                "endpoint \(endpoint.spec.address) is \(endpoint.spec.address.family) but the service's virtual services are \(served) only; the kernel mixes families only with forwarding: tunnel"
            )
        }
    }

    /// The families of the virtual services this service makes: its VIPs', its firewall
    /// mark's, and its node ports' (the node addresses').
    static func virtualServiceFamilies(_ service: DecodedService, nodeFamilies: AddressFamilies) -> AddressFamilies {
        var families = AddressFamilies()
        for address in service.virtualIPs { families.insert(AddressFamilies(address.value.family)) }
        if let mark = service.firewallMark { families.insert(AddressFamilies(mark.spec.family)) }
        if service.ports.contains(where: { $0.nodePort != nil }) { families.formUnion(nodeFamilies) }
        return families
    }

    /// One prefix length serves every virtual service of the service, so it must fit IPv4's 32
    /// bits when any of them is IPv4.
    private static func checkPrefixLength(_ service: DecodedService, families: AddressFamilies) {
        guard let prefix = service.prefixLength, families.contains(.ipv4), prefix.value > Limits.ipv4PrefixLength else { return }
        prefix.node.report(
            .outOfRange,
            "prefixLength \(prefix.value) is out of range 1...\(Limits.ipv4PrefixLength) for this service's IPv4 virtual services")
    }
}

/// A set of address families as two bits: every service and every endpoint asks which families
/// a service serves, and a `Set<AddressFamily>` hashed each time (1.5 % of a 10,000-service load).
struct AddressFamilies: OptionSet, CustomStringConvertible {
    let rawValue: UInt8
    static let ipv4 = AddressFamilies(rawValue: 1 << 0)
    static let ipv6 = AddressFamilies(rawValue: 1 << 1)

    init(rawValue: UInt8) { self.rawValue = rawValue }

    init(_ family: AddressFamily) {
        self = family == .inet ? .ipv4 : .ipv6
    }

    init(_ families: some Sequence<AddressFamily>) {
        self = families.reduce(into: []) { $0.insert(AddressFamilies($1)) }
    }

    /// "IPv4", "IPv6" or "IPv4 and IPv6", as messages write them.
    var description: String {
        [(Self.ipv4, AddressFamily.inet), (Self.ipv6, AddressFamily.inet6)]
            .filter { contains($0.0) }.map(\.1.description).joined(separator: " and ")
    }
}
