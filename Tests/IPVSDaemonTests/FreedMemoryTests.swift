import Testing

@testable import IPVSDaemon

struct FreedMemoryTests {
    @Test("a trim asked for within the interval of the last one is skipped; one after it runs")
    func rateLimited() {
        FreedMemory.release()
        #expect(!FreedMemory.release(unlessWithin: .seconds(3600)))
        #expect(FreedMemory.release(unlessWithin: .zero))
    }
}
