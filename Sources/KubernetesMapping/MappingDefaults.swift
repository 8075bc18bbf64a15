import IPVSCore

/// What Kubernetes has no field for: the agent's settings for every Service, which a Service's
/// own annotations (``ServiceAnnotation``) may override.
public struct MappingDefaults: Hashable, Sendable {
    public var scheduler: Scheduler
    public var schedulerFlags: ServiceFlags
    public var forwarding: ForwardingMethod
    /// How long a removed endpoint drains (weight 0) before it is deleted; nil deletes at once.
    public var drainSeconds: UInt32?
    /// Probes every endpoint when set; nil trusts the EndpointSlice conditions alone.
    public var healthCheck: HealthCheck?
    /// See `ServiceSpec.panicThreshold`.
    public var panicThreshold: Double?
    /// The IPVS weight of every real server.
    public var weight: UInt32

    public init(scheduler: Scheduler = .roundRobin, schedulerFlags: ServiceFlags = [], forwarding: ForwardingMethod = .masquerade,
                drainSeconds: UInt32? = nil, healthCheck: HealthCheck? = nil, panicThreshold: Double? = nil, weight: UInt32 = 1) {
        self.scheduler = scheduler
        self.schedulerFlags = schedulerFlags
        self.forwarding = forwarding
        self.drainSeconds = drainSeconds
        self.healthCheck = healthCheck
        self.panicThreshold = panicThreshold
        self.weight = weight
    }
}

extension MappingDefaults {
    /// The config file's `defaults`.
    public init(_ defaults: ServiceDefaults) {
        self.init(scheduler: defaults.scheduler, schedulerFlags: defaults.schedulerFlags, forwarding: defaults.forwarding,
                  drainSeconds: defaults.drainSeconds, healthCheck: defaults.healthCheck, panicThreshold: defaults.panicThreshold)
    }
}
