import IPVSCore
import Testing

/// The ledger an apply writes ahead of its first kernel write: everything owned before or after.
struct LedgerTests {
    static func key(_ port: UInt16) -> VirtualServiceKey {
        .address(IPAddress("198.51.100.1")!, port: port, protocol: .tcp)
    }

    @Test func includingClaimsWhatEitherOwns() {
        let before = Ledger(virtualServices: [Self.key(80), Self.key(443)], addresses: [IPAddress("198.51.100.1")!], packetFilter: true)
        let after = Ledger(virtualServices: [Self.key(80), Self.key(8080)], addresses: [IPAddress("198.51.100.2")!])
        let ahead = after.including(before)
        #expect(ahead.virtualServices == [Self.key(80), Self.key(443), Self.key(8080)])
        #expect(ahead.addresses == [IPAddress("198.51.100.1")!, IPAddress("198.51.100.2")!])
        #expect(ahead.packetFilter)
        #expect(ahead.drains == after.drains)
    }

    @Test func includingAnEqualLedgerChangesNothing() {
        let ledger = Ledger(virtualServices: [Self.key(80)], addresses: [IPAddress("198.51.100.1")!])
        #expect(ledger.including(ledger) == ledger)
        #expect(ledger.including(Ledger()) == ledger)
    }
}
