/// The kernel settings (sysctls) this tool declares, diffs and writes: IPVS's own under
/// `net.ipv4.vs.` and the ARP behaviour that strict ARP asks for.
public enum KernelSysctl: String, Hashable, Sendable, CaseIterable, Comparable {
    /// `net.ipv4.vs.conntrack`: keep netfilter conntrack entries for IPVS connections (needed
    /// for masquerading or filtering IPVS traffic with netfilter). Kernel default 0.
    case ipvsConntrack = "net.ipv4.vs.conntrack"
    /// `net.ipv4.vs.expire_nodest_conn`: drop a connection whose real server is gone at its next
    /// packet instead of letting it time out. Kernel default 0.
    case expireNoDestinationConnections = "net.ipv4.vs.expire_nodest_conn"
    /// `net.ipv4.vs.expire_quiescent_template`: expire persistence templates that point at a
    /// weight-0 (quiescent) real server. Kernel default 0.
    case expireQuiescentTemplates = "net.ipv4.vs.expire_quiescent_template"
    /// `net.ipv4.vs.conn_reuse_mode`: how a new connection reusing an old one's port is
    /// scheduled (0, 1 or 2). Kernel default 1.
    case connectionReuseMode = "net.ipv4.vs.conn_reuse_mode"
    /// `net.ipv4.conf.all.arp_ignore`: 1 answers ARP only for addresses of the interface the
    /// request came in on, so virtual addresses on the dummy interface are not announced.
    case arpIgnore = "net.ipv4.conf.all.arp_ignore"
    /// `net.ipv4.conf.all.arp_announce`: 2 never uses a virtual address as the source of the
    /// node's own ARP requests.
    case arpAnnounce = "net.ipv4.conf.all.arp_announce"

    /// The dotted name `sysctl` uses.
    public var name: String { rawValue }

    /// The file under `/proc/sys`.
    public var path: String { "/proc/sys/" + rawValue.split(separator: ".").joined(separator: "/") }

    /// Present only once the `ip_vs` module is loaded.
    public var needsIPVS: Bool { rawValue.hasPrefix("net.ipv4.vs.") }

    public static func < (lhs: KernelSysctl, rhs: KernelSysctl) -> Bool { lhs.rawValue < rhs.rawValue }
}
