/// A scheduler flag by the name ipvsadm gives it, with the bits it sets and the scheduler
/// that gives those bits that meaning: the vocabulary of the config file and of annotations.
public enum SchedulerFlag: String, Hashable, Sendable, CaseIterable {
    case sourceHashFallback = "sh-fallback"
    case sourceHashPort = "sh-port"
    case maglevFallback = "mh-fallback"
    case maglevPort = "mh-port"
    case onePacket = "one-packet"
    case flag1 = "flag-1"
    case flag2 = "flag-2"
    case flag3 = "flag-3"

    /// The bits it sets.
    public var bits: ServiceFlags {
        switch self {
        case .sourceHashFallback: .sourceHashFallback
        case .sourceHashPort: .sourceHashPort
        case .maglevFallback: .maglevFallback
        case .maglevPort: .maglevPort
        case .onePacket: .onePacket
        case .flag1: .scheduler1
        case .flag2: .scheduler2
        case .flag3: .scheduler3
        }
    }

    /// The scheduler whose flag this is: the same bit means something else (or nothing) to
    /// another scheduler. The raw `flag-N` names carry no meaning of their own.
    public var scheduler: Scheduler? {
        switch self {
        case .sourceHashFallback, .sourceHashPort: .sourceHashing
        case .maglevFallback, .maglevPort: .maglevHashing
        case .onePacket, .flag1, .flag2, .flag3: nil
        }
    }
}
