import IPVSCore
import Testing

@testable import HealthChecking

@Suite("ProbeSchedule: due times and jitter")
struct ProbeScheduleTests {
    let t0 = ContinuousClock.now

    @Test("a new target's first probe comes within min(interval, 1 s)", arguments: [Duration.milliseconds(200), .seconds(30)])
    func firstProbeIsPrompt(interval: Duration) {
        var schedule = ProbeSchedule(generator: SeededGenerator(seed: 7))
        let bound = min(interval, .seconds(1))
        var dues: [Duration] = []
        for last in 1...200 {
            let due = schedule.add(makeTarget(UInt8(last), check: HealthCheck(interval: interval)), now: t0)
            dues.append(t0.duration(to: due))
        }
        #expect(dues.allSatisfy { $0 >= .zero && $0 < bound })
        // Spread out, not all at once: a thousand new endpoints must not be probed in one burst.
        #expect(Set(dues).count > 150)
    }

    @Test("every next due time is one interval after the last start, give or take the jitter", arguments: [0.0, 0.1, 0.5, 1.0])
    func jitterStaysWithinBounds(jitter: Double) {
        var schedule = ProbeSchedule(generator: SeededGenerator(seed: 42))
        let interval = Duration.seconds(10)
        let target = makeTarget(1, check: HealthCheck(interval: interval, jitter: jitter))
        var launch = t0
        var gaps: [Duration] = []
        for _ in 0..<500 {
            let due = schedule.reschedule(target, launchedAt: launch, now: launch)
            gaps.append(launch.duration(to: due))
            launch = due
        }
        let low = interval * (1 - jitter)
        let high = interval * (1 + jitter)
        #expect(gaps.allSatisfy { $0 >= max(low, .milliseconds(1)) && $0 <= high })
        if jitter == 0 {
            #expect(Set(gaps) == [interval])
        } else {
            // The jitter is used, both ways.
            #expect(gaps.contains { $0 < interval * (1 - jitter / 2) })
            #expect(gaps.contains { $0 > interval * (1 + jitter / 2) })
        }
    }

    @Test("out-of-range jitter is clamped, and an interval never shrinks to nothing")
    func jitterIsClamped() {
        var generator = SeededGenerator(seed: 3)
        for _ in 0..<200 {
            let stretched = ProbeSchedule<SeededGenerator>.jittered(.seconds(1), by: 5, using: &generator)
            #expect(stretched >= .milliseconds(1) && stretched <= .seconds(2))
            #expect(ProbeSchedule<SeededGenerator>.jittered(.seconds(1), by: -1, using: &generator) == .seconds(1))
            #expect(ProbeSchedule<SeededGenerator>.jittered(.seconds(1), by: .nan, using: &generator) == .seconds(1))
            #expect(ProbeSchedule<SeededGenerator>.jittered(.zero, by: 0.5, using: &generator) == .milliseconds(1))
        }
    }

    @Test("a probe slower than its interval is followed at once, not by a backlog")
    func slowProbeIsNotBackedUp() {
        var schedule = ProbeSchedule(generator: SeededGenerator(seed: 1))
        let target = makeTarget(1, check: HealthCheck(interval: .seconds(1), jitter: 0))
        let ended = t0 + .seconds(5)
        #expect(schedule.reschedule(target, launchedAt: t0, now: ended) == ended)
    }

    @Test("targets come out in due order, each once, and only when due")
    func popsInOrder() {
        var schedule = ProbeSchedule(generator: SeededGenerator(seed: 9))
        let check = HealthCheck(interval: .seconds(1), jitter: 0)
        let targets = (1...50).map { makeTarget(UInt8($0), check: check) }
        var dues: [HealthTarget: ContinuousClock.Instant] = [:]
        for target in targets { dues[target] = schedule.add(target, now: t0) }
        #expect(schedule.popDue(now: t0 - .seconds(1)) == nil)
        var popped: [HealthTarget] = []
        while let next = schedule.popDue(now: t0 + .seconds(2)) { popped.append(next) }
        #expect(Set(popped) == Set(targets))
        #expect(popped.count == targets.count)
        let order = popped.map { dues[$0]! }
        #expect(order == order.sorted())
        #expect(schedule.count == 0)
        #expect(schedule.nextDue() == nil)
    }

    @Test("a removed target is never due again; adding it back gives it one due time")
    func removalStopsProbing() {
        var schedule = ProbeSchedule(generator: SeededGenerator(seed: 5))
        let gone = makeTarget(1)
        let stays = makeTarget(2)
        schedule.add(gone, now: t0)
        schedule.add(stays, now: t0)
        schedule.remove(gone)
        #expect(schedule.due(gone) == nil)
        #expect(schedule.popDue(now: t0 + .seconds(60)) == stays)
        #expect(schedule.popDue(now: t0 + .seconds(60)) == nil)
        schedule.add(gone, now: t0)
        schedule.add(gone, now: t0)
        #expect(schedule.popDue(now: t0 + .seconds(60)) == gone)
        #expect(schedule.popDue(now: t0 + .seconds(60)) == nil)
    }

    @Test("the heap gives its elements back smallest first")
    func heapOrder() {
        var heap = MinHeap<Int>()
        var generator = SeededGenerator(seed: 11)
        let values = (0..<300).map { _ in Int.random(in: -1000...1000, using: &generator) }
        for value in values { heap.insert(value) }
        #expect(heap.count == values.count)
        var out: [Int] = []
        while let value = heap.popMin() { out.append(value) }
        #expect(out == values.sorted())
        #expect(heap.isEmpty)
    }
}
