import IPVSCore
import Testing

@testable import IPVSDaemon

/// What counts as drift repaired: the planner sees only "differs", so the loop tells a repair
/// from an intended change by whether that service's desired state moved.
struct DriftTests {
    static func service(_ last: UInt8, weight: UInt32 = 1) -> DesiredVirtualService {
        DesiredVirtualService(
            service: VirtualService(key: .address(.v4(IPv4Address(198, 51, 100, last)), port: 80, protocol: .tcp)),
            realServers: [RealServer(address: .v4(IPv4Address(192, 0, 2, 1)), port: 80, weight: weight)],
            origin: SelectionOrigin(serviceName: "default/s\(last)", portName: nil, scope: .internal, policy: .cluster),
            outcome: .served)
    }

    @Test("a change to a service that stood still is drift, even while another one changed; other changes only when nothing moved")
    func perService() {
        let still = Self.service(1), moved = Self.service(2)
        let previous = DesiredKernelState(virtualServices: [still, moved])
        let desired = DesiredKernelState(virtualServices: [still, Self.service(2, weight: 5)])
        let applied: [Change] = [
            .createRealServer(still.realServers[0], service: still.service.key),
            .updateRealServer(from: moved.realServers[0], to: Self.service(2, weight: 5).realServers[0], service: moved.service.key),
            .addAddress(IPAddress("198.51.100.1")!),
        ]
        #expect(ReconcileLoop.drift(in: applied, since: previous, desired: desired, ledger: Ledger()) == 1)
        #expect(ReconcileLoop.drift(in: [applied[0], applied[2]], since: previous, desired: previous, ledger: Ledger()) == 2)
        // A drain step is the plan at work.
        let drain = Change.drainRealServer(ObservedRealServer(server: still.realServers[0]), service: still.service.key, deadline: 0)
        #expect(ReconcileLoop.drift(in: [drain], since: previous, desired: previous, ledger: Ledger()) == 0)
    }
}
