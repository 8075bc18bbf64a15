/// A network link as the kernel describes it (`RTM_GETLINK`), as far as the VIP interface cares.
public struct LinkDescription: Hashable, Sendable {
    /// The interface index.
    public var index: Int32
    /// `IFLA_INFO_KIND`: "dummy", "veth", "bridge"...; nil for a link without one (a physical
    /// device, loopback).
    public var kind: String?
    /// `IFF_UP` is set.
    public var isUp: Bool

    public init(index: Int32, kind: String?, isUp: Bool) {
        self.index = index
        self.kind = kind
        self.isUp = isUp
    }
}
