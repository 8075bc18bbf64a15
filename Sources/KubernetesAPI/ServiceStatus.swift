/// A Service's `status`: for a load balancer, the addresses its provider assigned.
public struct ServiceStatus: Codable, Hashable, Sendable {
    public var loadBalancer: LoadBalancerStatus?

    public init(loadBalancer: LoadBalancerStatus? = nil) {
        self.loadBalancer = loadBalancer
    }
}

/// `status.loadBalancer`.
public struct LoadBalancerStatus: Codable, Hashable, Sendable {
    public var ingress: [LoadBalancerIngress]?

    public init(ingress: [LoadBalancerIngress]? = nil) {
        self.ingress = ingress
    }
}

/// One of `status.loadBalancer.ingress`.
public struct LoadBalancerIngress: Codable, Hashable, Sendable {
    public var ip: String?
    public var hostname: String?
    /// `VIP` (traffic arrives addressed to `ip`: a proxy serves it) or `Proxy` (the load
    /// balancer rewrites the destination: a proxy must not capture `ip`). Absent means `VIP`.
    public var ipMode: String?

    public init(ip: String? = nil, hostname: String? = nil, ipMode: String? = nil) {
        self.ip = ip
        self.hostname = hostname
        self.ipMode = ipMode
    }
}
