import IPVSCore

/// One conntrack entry, decoded: the original tuple (the client's packet as it arrived) and the
/// reply tuple (what the answer is expected to look like).
struct ConntrackFlow: Hashable, Sendable {
    struct Tuple: Hashable, Sendable {
        var source: IPAddress
        var sourcePort: UInt16
        var destination: IPAddress
        var destinationPort: UInt16
    }

    /// The IP protocol number (`IPPROTO_UDP` is 17).
    var protocolNumber: UInt8
    var original: Tuple
    var reply: Tuple
}

/// Which of a set of ``ConntrackFlowFilter``s an entry belongs to: one hash lookup per entry,
/// however many filters, so the table is dumped once for all of them.
struct ConntrackFlowMatcher: Sendable {
    private let filters: Set<ConntrackFlowFilter>

    init(_ filters: some Sequence<ConntrackFlowFilter>) {
        self.filters = Set(filters)
    }

    var isEmpty: Bool { filters.isEmpty }

    /// The address family every filter's virtual address has, so that the kernel dumps only
    /// that family; nil when they mix (or there is none).
    var family: AddressFamily? {
        let families = Set(filters.map(\.virtualAddress.family))
        return families.count == 1 ? families.first : nil
    }

    /// The filter `flow` belongs to: its original destination is the virtual service and its
    /// reply source the backend. The original source (the client) and the reply destination
    /// (the client, or the director's own address when the flow is masqueraded) do not matter.
    func filter(for flow: ConntrackFlow) -> ConntrackFlowFilter? {
        guard let transport = TransportProtocol(rawValue: UInt16(flow.protocolNumber)) else { return nil }
        let key = ConntrackFlowFilter(
            protocol: transport,
            virtualAddress: flow.original.destination, virtualPort: flow.original.destinationPort,
            backendAddress: flow.reply.source, backendPort: flow.reply.sourcePort)
        return filters.contains(key) ? key : nil
    }
}
