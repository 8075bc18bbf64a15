import IPVSCore
import IPVSNetlink
import IPVSWire
import Nftables

/// The IPVS table as the reconciler uses it. ``IPVSClient`` is the real one; tests may use an
/// in-memory table, never as a stand-in for the kernel-lab tests.
public protocol IPVSTable: Sendable {
    func table() throws(IPVSError) -> [ObservedTableEntry]
    /// The virtual services with their counters, without their real servers: one dump.
    func virtualServices() throws(IPVSError) -> [ObservedVirtualService]
    func timeouts() throws(IPVSError) -> Timeouts
    func apply(_ requests: [IPVSRequest]) throws(IPVSError) -> BatchResult
}

extension IPVSClient: IPVSTable {}

extension IPVSTable {
    public func virtualServices() throws(IPVSError) -> [ObservedVirtualService] {
        try table().map(\.virtualService)
    }
}

/// The addresses of the interface that holds our virtual addresses.
public protocol AddressTable: Sendable {
    /// The addresses on `interface`, or none when it does not exist yet.
    func addresses(on interface: String) throws(IPVSError) -> Set<IPAddress>
    /// Creates the dummy interface when missing, then adds and removes; returns the failures.
    func change(adding: [IPAddress], removing: [IPAddress], on interface: String) throws(IPVSError) -> [(IPAddress, IPVSError)]
}

extension InterfaceAddressClient: AddressTable {
    public func change(adding: [IPAddress], removing: [IPAddress], on interface: String) throws(IPVSError) -> [(IPAddress, IPVSError)] {
        if !adding.isEmpty { _ = try ensureDummyInterface(named: interface) }
        return try apply(adding: adding, removing: removing, on: interface).failures.map { ($0.address, $0.error) }
    }
}

/// The kernel settings of one network namespace.
public protocol SysctlTable: Sendable {
    func values(of names: Set<KernelSysctl>) throws(IPVSError) -> [KernelSysctl: Int]
    func set(_ name: KernelSysctl, to value: Int) throws(IPVSError)
}

/// The sysctls of `namespace` (nil: this process's own), through `/proc/sys`.
public struct NamespaceSysctls: SysctlTable {
    public var namespace: NetworkNamespace?

    public init(namespace: NetworkNamespace?) {
        self.namespace = namespace
    }

    public func values(of names: Set<KernelSysctl>) throws(IPVSError) -> [KernelSysctl: Int] {
        try KernelSysctlFiles.read(names.sorted(), in: namespace)
    }

    public func set(_ name: KernelSysctl, to value: Int) throws(IPVSError) {
        try KernelSysctlFiles.write(name, value: value, in: namespace)
    }
}

/// Our netfilter table (masquerading, load-balancer source ranges). ``NftablesClient`` is the
/// real one.
public protocol PacketFilterTable: Sendable {
    /// Our table, or nil when there is none.
    func read() throws(NftablesError) -> ObservedPacketFilter?
    /// The packet-filter changes of a plan, in one transaction; `dryRun` only has them checked.
    func apply(_ changes: [Change], dryRun: Bool) throws(NftablesError)
}

extension NftablesClient: PacketFilterTable {}
