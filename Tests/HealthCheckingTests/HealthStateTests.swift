import IPVSCore
import Testing

@Suite("HealthState: rise and fall")
struct HealthStateTests {
    @Test("unknown: one success makes it healthy")
    func firstSuccessDecides() {
        var state = HealthState()
        #expect(state.verdict == .unknown)
        let transition = state.record(success: true, rise: 3, fall: 3).verdicts
        #expect(transition == [.unknown, .healthy])
        #expect(state.verdict == .healthy)
    }

    @Test("unknown: one failure makes it unhealthy")
    func firstFailureDecides() {
        var state = HealthState()
        let transition = state.record(success: false, rise: 3, fall: 3).verdicts
        #expect(transition == [.unknown, .unhealthy])
        #expect(state.verdict == .unhealthy)
    }

    @Test("healthy: fall consecutive failures make it unhealthy, not one fewer", arguments: [1, 2, 3, 5])
    func fall(fall: Int) {
        var state = HealthState(initiallyHealthy: true)
        for _ in 1..<fall {
            #expect(state.record(success: false, rise: 2, fall: fall) == nil)
            #expect(state.verdict == .healthy)
        }
        #expect(state.record(success: false, rise: 2, fall: fall).verdicts == [.healthy, .unhealthy])
        #expect(state.consecutiveFailures == fall)
    }

    @Test("unhealthy: rise consecutive successes make it healthy, not one fewer", arguments: [1, 2, 4])
    func rise(rise: Int) {
        var state = HealthState()
        _ = state.record(success: false, rise: rise, fall: 3)
        for _ in 1..<rise {
            #expect(state.record(success: true, rise: rise, fall: 3) == nil)
            #expect(state.verdict == .unhealthy)
        }
        #expect(state.record(success: true, rise: rise, fall: 3).verdicts == [.unhealthy, .healthy])
    }

    @Test("alternating results never flip a verdict once decided")
    func alternatingNeverFlips() {
        var healthy = HealthState(initiallyHealthy: true)
        var unhealthy = HealthState()
        _ = unhealthy.record(success: false, rise: 2, fall: 2)
        for round in 0..<20 {
            let success = round % 2 == 0
            #expect(healthy.record(success: !success, rise: 2, fall: 2) == nil)
            #expect(unhealthy.record(success: success, rise: 2, fall: 2) == nil)
        }
        #expect(healthy.verdict == .healthy)
        #expect(unhealthy.verdict == .unhealthy)
    }

    @Test("a success resets the failure count")
    func successResetsFailures() {
        var state = HealthState(initiallyHealthy: true)
        _ = state.record(success: false, rise: 2, fall: 3)
        _ = state.record(success: false, rise: 2, fall: 3)
        _ = state.record(success: true, rise: 2, fall: 3)
        #expect(state.consecutiveFailures == 0)
        #expect(state.record(success: false, rise: 2, fall: 3) == nil)
        #expect(state.record(success: false, rise: 2, fall: 3) == nil)
        #expect(state.record(success: false, rise: 2, fall: 3).verdicts == [.healthy, .unhealthy])
    }

    @Test("initiallyHealthy starts healthy, so that the endpoint serves before its first probe")
    func initiallyHealthy() {
        #expect(HealthState(initiallyHealthy: true).verdict == .healthy)
        #expect(HealthState(initiallyHealthy: false).verdict == .unknown)
        var state = HealthState(initiallyHealthy: true)
        #expect(state.record(success: true, rise: 2, fall: 2) == nil)
        #expect(state.verdict == .healthy)
    }
}
