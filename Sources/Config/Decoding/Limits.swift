/// The ranges the format allows, each with the reason for its bounds. docs/configuration.md
/// states the same numbers.
enum Limits {
    /// Ports on the wire. 0 is not a port a client can connect to.
    static let port: ClosedRange<UInt16> = 1...65535
    /// A firewall-mark service's port for its endpoints: 0 keeps each packet's own port.
    static let firewallMarkTargetPort: ClosedRange<UInt16> = 0...65535
    /// 0 is "no mark" to netfilter, so it cannot select a service.
    static let firewallMark: ClosedRange<UInt32> = 1...UInt32.max
    /// The kernel stores a real server's weight as a signed 32-bit integer. 0 takes no new
    /// connections.
    static let weight: ClosedRange<UInt32> = 0...UInt32(Int32.max)
    /// Kubernetes' own bounds for `sessionAffinityConfig.clientIP.timeoutSeconds`.
    static let sessionAffinityTimeout: ClosedRange<UInt32> = 1...86400
    /// Kubernetes' default session affinity timeout (3 hours), used by `ClientIP` alone.
    static let defaultSessionAffinityTimeout: UInt32 = 10800
    /// Persistence granularity as a prefix length: at most 32 for IPv4, 128 for IPv6.
    static let prefixLength: ClosedRange<UInt8> = 1...128
    static let ipv4PrefixLength: UInt8 = 32
    /// A drain longer than a week is a mistake, not a policy.
    static let drainSeconds: ClosedRange<UInt32> = 0...604_800
    /// The kernel keeps IPVS connection timeouts in jiffies in an `int`: at HZ=1000 that is
    /// about 24 days. 0 would mean "unchanged" to the kernel; the format says that by omission.
    static let connectionTimeout: ClosedRange<UInt32> = 1...2_147_483
    /// `net.ipv4.vs.conn_reuse_mode` takes 0, 1 or 2.
    static let connectionReuseMode: ClosedRange<UInt8> = 0...2
    /// `IFNAMSIZ` is 16 with the terminating NUL.
    static let interfaceNameLength: ClosedRange<Int> = 1...15
    /// A health check's interval and timeout, kept to the millisecond: below that a probe
    /// would be due all the time; a check less often than daily is a mistake, not a policy.
    static let probeSeconds: ClosedRange<Double> = 0.001...86_400
    /// Consecutive results that change a verdict. 1 reacts to a single lost probe; beyond 100
    /// an endpoint would take hours to come back or go.
    static let riseFall: ClosedRange<Int> = 1...100
    /// Fractions: a check's jitter, a service's panic threshold.
    static let fraction: ClosedRange<Double> = 0...1
    /// The HTTP status codes that exist (RFC 9110 defines 100 to 599).
    static let httpStatus: ClosedRange<Int> = 100...599
    /// RFC 1035: a DNS name is at most 253 characters as text (without the final dot), a label 63.
    static let dnsNameLength: ClosedRange<Int> = 1...253
    static let dnsLabelLength: ClosedRange<Int> = 1...63
    /// Collections inside collections, the document's own included. A config nests six deep
    /// (services, a service, its endpoints, an endpoint, its health check, its TLS settings);
    /// without a bound, 32 MiB of `[` would nest millions deep, and libyaml's stacks, the
    /// field paths and the decoders that follow merge keys would grow with it.
    static let nestingDepth = 64
}
