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
}
