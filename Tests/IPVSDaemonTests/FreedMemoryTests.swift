import Dispatch
import Foundation
import Testing

@testable import IPVSDaemon

struct FreedMemoryTests {
    @Test("a trim asked for within the interval of the last one is put off to its end, once; one after it runs at once")
    func trimSchedule() {
        var schedule = TrimSchedule()
        let start = ContinuousClock.now
        #expect(schedule.request(at: start, interval: .seconds(10)) == .now)
        #expect(schedule.request(at: start + .seconds(4), interval: .seconds(10)) == .after(.seconds(6)))
        #expect(schedule.request(at: start + .seconds(5), interval: .seconds(10)) == .alreadyDeferred)
        // The one put off runs; the interval counts from it.
        schedule.trimmed(at: start + .seconds(10), deferred: true)
        #expect(!schedule.isDeferred)
        #expect(schedule.request(at: start + .seconds(12), interval: .seconds(10)) == .after(.seconds(8)))
        schedule.trimmed(at: start + .seconds(20), deferred: true)
        #expect(schedule.request(at: start + .seconds(30), interval: .seconds(10)) == .now)
        // A pass's own trim counts too.
        schedule.trimmed(at: start + .seconds(35))
        #expect(schedule.request(at: start + .seconds(36), interval: .seconds(10)) == .after(.seconds(9)))
    }

    @Test("a scrape's trim asked for too soon runs on the queue when the interval ends")
    func deferredTrimRuns() async {
        let queue = DispatchQueue(label: "test.trim")
        FreedMemory.release()
        FreedMemory.release(atMostEvery: .milliseconds(100), on: queue)
        #expect(FreedMemory.isTrimDeferred)
        try? await Task.sleep(for: .milliseconds(400))
        queue.sync {}
        #expect(!FreedMemory.isTrimDeferred)
    }

    @Test("glibc takes the fixed threshold for blocks of their own")
    func largeBlocksStayApart() {
        // What it changes is measured, not tested: whether a block gets a mapping of its own
        // also depends on the free space the heap has (memory-probe --agent, Benchmarks/README.md).
        #expect(FreedMemory.keepLargeBlocksApart())
    }

    @Test("the kernel takes the opt-out of transparent huge pages: /proc/self/status says so")
    func noTransparentHugePages() throws {
        #expect(FreedMemory.withoutTransparentHugePages())
        let status = try String(contentsOfFile: "/proc/self/status", encoding: .utf8)
        #expect(status.split(separator: "\n").contains("THP_enabled:\t0"))
    }
}
