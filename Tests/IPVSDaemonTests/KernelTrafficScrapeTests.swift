import IPVSCore
import Logging
import Testing

@testable import IPVSDaemon

struct KernelTrafficScrapeTests {
    @Test("scrapes within the reuse interval share one kernel read; later ones read again")
    func scrapesShareARead() throws {
        let table = ScopedPassTests.CountingTable()
        _ = try table.inner.apply([.newService(VirtualService(key: .address(IPAddress("198.51.100.1")!, port: 80, protocol: .tcp)))])
        let metrics = AgentMetrics(version: "test")
        let shared = KernelTrafficScrape(
            table: table, includeRealServers: false, metrics: metrics, logger: Logger(label: "test"), reuseInterval: .seconds(60))
        let first = shared.render()
        #expect(String(decoding: first, as: UTF8.self).contains("198.51.100.1"))
        #expect(shared.render() == first)
        #expect(table.readCount == 1)

        let eager = KernelTrafficScrape(
            table: table, includeRealServers: false, metrics: metrics, logger: Logger(label: "test"), reuseInterval: .zero)
        _ = eager.render()
        _ = eager.render()
        #expect(table.readCount == 3)
    }

    @Test("the text kept for reuse is dropped once its interval has passed")
    func keptTextExpires() async throws {
        let table = ScopedPassTests.CountingTable()
        _ = try table.inner.apply([.newService(VirtualService(key: .address(IPAddress("198.51.100.1")!, port: 80, protocol: .tcp)))])
        let scrape = KernelTrafficScrape(
            table: table, includeRealServers: false, metrics: AgentMetrics(version: "test"), logger: Logger(label: "test"),
            reuseInterval: .milliseconds(50))
        _ = scrape.render()
        #expect(scrape.keptText != nil)
        let clock = ContinuousClock()
        let giveUp = clock.now + .seconds(10)
        while scrape.keptText != nil, clock.now < giveUp { try await Task.sleep(for: .milliseconds(20)) }
        #expect(scrape.keptText == nil)
        _ = scrape.render()
        #expect(table.readCount == 2, "a scrape after the interval reads the kernel again")
    }
}
