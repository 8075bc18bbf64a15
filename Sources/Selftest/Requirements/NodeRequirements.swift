import IPVSCore

/// What a config asks of a node's kernel, worked out the way `apply` plans it: the schedulers
/// its virtual services use, the kernel settings the plan writes, whether our nftables table and
/// conntrack are needed, the VIP interface and the health ports.
public struct NodeRequirements: Hashable, Sendable {
    public var schedulers: [Scheduler]
    /// The sysctls `apply` writes, with their values (declared, or implied by the packet path).
    public var sysctls: [KernelSysctl: Int]
    /// Why the declared settings contradict the packet path, when they do (`apply` refuses then).
    public var sysctlConflict: String?
    /// `kernel.strictARP` as declared (nil: not declared).
    public var strictARP: Bool?
    /// Some virtual address is announced to the network: external or load-balancer IPs.
    public var announcesAddresses: Bool
    /// Our nftables table has rules to hold (masquerading, source ranges).
    public var needsPacketFilter: Bool
    /// UDP virtual services: the conntrack entries of a real server that leaves are deleted
    /// over ctnetlink.
    public var deletesUDPFlows: Bool
    /// The dummy interface holding the virtual addresses.
    public var interface: String
    /// The `healthCheckNodePort`s the agent listens on.
    public var healthPorts: [UInt16]

    public init(
        schedulers: [Scheduler] = [.roundRobin], sysctls: [KernelSysctl: Int] = [:], sysctlConflict: String? = nil,
        strictARP: Bool? = nil, announcesAddresses: Bool = false, needsPacketFilter: Bool = false,
        deletesUDPFlows: Bool = false, interface: String = DesiredState.defaultInterface, healthPorts: [UInt16] = []
    ) {
        self.schedulers = schedulers
        self.sysctls = sysctls
        self.sysctlConflict = sysctlConflict
        self.strictARP = strictARP
        self.announcesAddresses = announcesAddresses
        self.needsPacketFilter = needsPacketFilter
        self.deletesUDPFlows = deletesUDPFlows
        self.interface = interface
        self.healthPorts = healthPorts
    }

    /// What `state` asks of `node`. Without a config (Kubernetes supplies the services later),
    /// the defaults: the default scheduler, the default interface.
    public init(_ state: DesiredState, node: String) {
        let kernel = EndpointSelection.select(state, node: node)
        let filter = PacketPathPolicy.desired(state, kernel: kernel, node: node)
        let (settings, conflict) = PacketPathPolicy.kernelSettings(state.kernel, filter: filter, kernel: kernel)
        var schedulers = Set(kernel.virtualServices.map(\.service.scheduler))
        if state.services.isEmpty { schedulers.insert(state.defaults.scheduler) }
        self.init(
            schedulers: schedulers.sorted { $0.rawValue < $1.rawValue },
            sysctls: settings.sysctls,
            sysctlConflict: conflict,
            strictARP: state.kernel.strictARP,
            announcesAddresses: state.services.contains { !$0.externalIPs.isEmpty || !$0.loadBalancerIPs.isEmpty },
            needsPacketFilter: !filter.isEmpty,
            deletesUDPFlows: kernel.virtualServices.contains { if case .address(_, _, .udp) = $0.service.key { true } else { false } },
            interface: state.interface,
            healthPorts: Set(state.services.compactMap(\.healthCheckNodePort)).sorted())
    }
}
