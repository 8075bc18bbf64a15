import IPVSCore
import IPVSNetlink
import IPVSWire

/// The IPVS table as the reconciler uses it. ``IPVSClient`` is the real one; tests may use an
/// in-memory table, never as a stand-in for the kernel-lab tests.
public protocol IPVSTable: Sendable {
    func table() throws(IPVSError) -> [ObservedTableEntry]
    func timeouts() throws(IPVSError) -> Timeouts
    func apply(_ requests: [IPVSRequest]) throws(IPVSError) -> BatchResult
}

extension IPVSClient: IPVSTable {}

/// The addresses of the interface that holds our virtual addresses.
public protocol AddressTable: Sendable {
    /// The addresses on `interface`, or none when it does not exist yet.
    func addresses(on interface: String) throws(IPVSError) -> Set<IPAddress>
    /// Creates the dummy interface when missing, then adds and removes; returns the failures.
    func change(adding: [IPAddress], removing: [IPAddress], on interface: String) throws(IPVSError) -> [(IPAddress, IPVSError)]
}
