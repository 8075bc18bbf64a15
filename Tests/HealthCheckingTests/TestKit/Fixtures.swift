import IPVSCore
import Logging

/// Deterministic randomness for the scheduling rules (SplitMix64).
struct SeededGenerator: RandomNumberGenerator {
    var state: UInt64

    init(seed: UInt64) {
        state = seed
    }

    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}

/// A target in 192.0.2.0/24 (documentation addresses: nothing answers there).
func makeTarget(_ last: UInt8, port: UInt16 = 8080, check: HealthCheck = HealthCheck()) -> HealthTarget {
    HealthTarget(address: .v4(IPv4Address(192, 0, 2, last)), port: port, check: check)
}

/// A check that probes often, so that scheduler tests finish quickly.
func quickCheck(interval: Duration = .milliseconds(10), rise: Int = 2, fall: Int = 2, initiallyHealthy: Bool = false) -> HealthCheck {
    HealthCheck(
        probe: .tcp, interval: interval, jitter: 0.1, timeout: .milliseconds(5), rise: rise, fall: fall, initiallyHealthy: initiallyHealthy)
}

let quietLogger = Logger(label: "health-checking-tests", factory: { _ in SwiftLogNoOpLogHandler() })

/// Polls `condition` until it holds or a generous deadline passes; returns whether it held.
/// The deadline only keeps a broken test from hanging: nothing asserts how long it took.
func eventually(within limit: Duration = .seconds(20), _ condition: () -> Bool) async -> Bool {
    let clock = ContinuousClock()
    let deadline = clock.now + limit
    while clock.now < deadline {
        if condition() { return true }
        try? await Task.sleep(for: .milliseconds(2))
    }
    return condition()
}

extension Optional where Wrapped == HealthTransition {
    /// `[from, to]`, for comparing with a literal (the transition has no public initializer).
    var verdicts: [HealthVerdict]? {
        map { [$0.from, $0.to] }
    }
}

/// A target on this machine's loopback interface, where the tests' own servers listen.
func loopback(_ port: UInt16, _ probe: HealthCheck.Probe, timeout: Duration = .seconds(5), ipv6: Bool = false) -> HealthTarget {
    HealthTarget(address: IPAddress(ipv6 ? "::1" : "127.0.0.1")!, port: port, check: HealthCheck(probe: probe, timeout: timeout))
}
