import IPVSCore

/// A Service's settings that Kubernetes has no field for: the defaults, with its annotations
/// applied one by one.
struct AnnotatedSettings {
    var scheduler: Scheduler
    var schedulerFlags: ServiceFlags
    var forwarding: ForwardingMethod
    var drainSeconds: UInt32?
    var panicThreshold: Double?
    var healthCheck: HealthCheck?

    static let forwardingWords: [(word: String, value: ForwardingMethod)] = [
        ("masquerade", .masquerade), ("direct-route", .directRoute), ("tunnel", .tunnel(Tunnel())),
    ]

    /// - Parameter protocols: the protocols of the Service's ports, which `one-packet` depends on.
    init(reading reader: inout AnnotationReader, defaults: ServiceDefaults, protocols: [TransportProtocol]) {
        scheduler =
            reader.read(.scheduler, AnnotationValue.choice(Scheduler.mainline.map { ($0.rawValue, $0) }))
            ?? defaults.scheduler
        schedulerFlags =
            reader.read(.schedulerFlags) { [scheduler] text in
                Self.flags(text, scheduler: scheduler, protocols: protocols)
            } ?? defaults.schedulerFlags
        forwarding = reader.read(.forwarding, AnnotationValue.choice(Self.forwardingWords)) ?? defaults.forwarding
        drainSeconds = reader.read(.drainSeconds, AnnotationValue.integer(in: 0...604_800)).map(UInt32.init) ?? defaults.drainSeconds
        panicThreshold = reader.read(.panicThreshold, AnnotationValue.number(in: 0...1)) ?? defaults.panicThreshold
        healthCheck = HealthCheckAnnotations.check(reading: &reader, default: defaults.healthCheck)
    }

    func apply(to spec: inout ServiceSpec) {
        spec.scheduler = scheduler
        spec.schedulerFlags = schedulerFlags
        spec.forwarding = forwarding
        spec.drainSeconds = drainSeconds
        spec.panicThreshold = panicThreshold
        spec.healthCheck = healthCheck
    }

    /// `sh-fallback,sh-port`: every flag known and fitting the scheduler, or none taken.
    static func flags(_ text: String, scheduler: Scheduler, protocols: [TransportProtocol]) -> Result<ServiceFlags, InvalidAnnotation> {
        var flags: ServiceFlags = []
        for word in text.split(separator: ",").map({ String($0).trimmingWhitespace }) where !word.isEmpty {
            guard let flag = SchedulerFlag(rawValue: word) else {
                let known = SchedulerFlag.allCases.map(\.rawValue).joined(separator: ", ")
                return .failure(InvalidAnnotation(reason: "unknown flag '\(word)' (\(known)); the default flags stay"))
            }
            if let owner = flag.scheduler, owner != scheduler {
                return .failure(
                    InvalidAnnotation(
                        reason:
                            "\(word) applies only to the \(owner.rawValue) scheduler; this service uses \(scheduler.rawValue); the default flags stay"
                    ))
            }
            if flag == .onePacket, let other = protocols.first(where: { $0 != .udp }) {
                return .failure(
                    InvalidAnnotation(
                        reason: "one-packet applies only to UDP services; this one has a \(other.name) port; the default flags stay"))
            }
            flags.formUnion(flag.bits)
        }
        return .success(flags)
    }
}
