import IPVSCore

/// One backend's flows through one virtual service, as conntrack sees them.
///
/// With `net.ipv4.vs.conntrack=1`, IPVS keeps a conntrack entry per flow whose original tuple is
/// `client:port -> virtualAddress:virtualPort` and whose reply tuple IPVS rewrites to start at
/// `backendAddress:backendPort`. Original destination plus reply source is what kube-proxy
/// filters on too (`conntrack -D --orig-dst VIP --reply-src BACKEND`); the ports make it one
/// service port and one target port, never the whole virtual address.
public struct ConntrackFlowFilter: Hashable, Sendable {
    public var `protocol`: TransportProtocol
    /// The original destination: the virtual service's address.
    public var virtualAddress: IPAddress
    /// The original destination port.
    public var virtualPort: UInt16
    /// The reply source: the real server's address.
    public var backendAddress: IPAddress
    /// The reply source port: the real server's port.
    public var backendPort: UInt16

    public init(protocol: TransportProtocol, virtualAddress: IPAddress, virtualPort: UInt16, backendAddress: IPAddress, backendPort: UInt16)
    {
        self.protocol = `protocol`
        self.virtualAddress = virtualAddress
        self.virtualPort = virtualPort
        self.backendAddress = backendAddress
        self.backendPort = backendPort
    }
}

extension ConntrackFlowFilter: CustomStringConvertible {
    /// `UDP 198.51.100.10:53 -> 203.0.113.2:5353`, the way IPVS errors name a real server.
    public var description: String {
        "\(`protocol`.name) \(Endpoint.format(virtualAddress, virtualPort)) -> \(Endpoint.format(backendAddress, backendPort))"
    }
}
