import Testing

@testable import IPVSNetlink

/// How many sockets a whole-table read spreads its real-server dumps over.
struct TableReadLanesTests {
    @Test("one lane per 64 services, at most the lanes allowed, never none")
    func lanes() {
        let per = TableReadLanes.minimumServicesPerLane
        #expect(TableReadLanes.count(services: 0, allowed: 2) == 1)
        #expect(TableReadLanes.count(services: 2 * per - 1, allowed: 2) == 1)
        #expect(TableReadLanes.count(services: 2 * per, allowed: 2) == 2)
        #expect(TableReadLanes.count(services: 10_000, allowed: 2) == 2)
        #expect(TableReadLanes.count(services: 10_000, allowed: 4) == 4)
        #expect(TableReadLanes.count(services: 3 * per, allowed: 8) == 3)
        #expect(TableReadLanes.count(services: 10_000, allowed: 1) == 1)
    }

    @Test("a datagram observer reads on one socket, so that its trace keeps the order of the reads")
    func observerKeepsOneLane() {
        #expect(IPVSClient.Configuration().readLanes == 2)
        #expect(IPVSClient.Configuration(readLanes: 0).readLanes == 1)
        #expect(IPVSClient.Configuration(datagramObserver: { _, _ in }, readLanes: 4).readLanes == 1)
    }
}
