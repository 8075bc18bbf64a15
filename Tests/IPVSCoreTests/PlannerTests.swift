import IPVSCore
import PropertyBased
import Testing

/// Applies a plan to an observed table the way the kernel would, for checking plans.
enum KernelSimulation {
    static func apply(_ plan: Plan, to observed: [ObservedTableEntry], addresses: Set<IPAddress>) -> ([ObservedTableEntry], Set<IPAddress>)
    {
        var table = Dictionary(observed.map { ($0.virtualService.service.key, $0) }, uniquingKeysWith: { a, _ in a })
        var addresses = addresses
        func setReal(_ server: RealServer, _ key: VirtualServiceKey) {
            guard var entry = table[key] else { return }
            if let index = entry.realServers.firstIndex(where: { $0.server.key == server.key }) {
                entry.realServers[index].server = server
            } else {
                entry.realServers.append(ObservedRealServer(server: server))
            }
            table[key] = entry
        }
        for change in plan.changes {
            switch change {
            case .createVirtualService(let service):
                table[service.key] = ObservedTableEntry(virtualService: ObservedVirtualService(service: service), realServers: [])
            case .updateVirtualService(_, let service):
                table[service.key]?.virtualService.service = service
            case .deleteVirtualService(let service, _):
                table[service.key] = nil
            case .createRealServer(let server, let key), .updateRealServer(_, let server, let key):
                setReal(server, key)
            case .drainRealServer(let observed, let key, _):
                var server = observed.server
                server.weight = 0
                setReal(server, key)
            case .deleteRealServer(let observed, let key):
                table[key]?.realServers.removeAll { $0.server.key == observed.server.key }
            case .addAddress(let address): addresses.insert(address)
            case .removeAddress(let address): addresses.remove(address)
            case .setTimeouts, .setSysctl, .createPacketFilter, .repairPacketFilter, .deletePacketFilter, .addFilterElement,
                .deleteFilterElement:
                break
            }
        }
        return (table.values.sorted { $0.virtualService.service.key < $1.virtualService.service.key }, addresses)
    }
}

struct PlannerTests {
    static let web = VirtualServiceKey.address(IPAddress("198.51.100.10")!, port: 80, protocol: .tcp)
    static let dns = VirtualServiceKey.address(IPAddress("198.51.100.53")!, port: 53, protocol: .udp)

    static func real(_ last: UInt8, weight: UInt32 = 1) -> RealServer {
        RealServer(address: .v4(IPv4Address(192, 0, 2, last)), port: 8080, weight: weight)
    }

    static func desired(
        _ key: VirtualServiceKey, _ reals: [RealServer], scheduler: Scheduler = .roundRobin, drain: UInt32? = nil
    ) -> DesiredVirtualService {
        DesiredVirtualService(
            service: VirtualService(key: key, scheduler: scheduler), realServers: reals,
            origin: SelectionOrigin(serviceName: "default/web", portName: nil, scope: .internal, policy: .cluster),
            outcome: .served, drainSeconds: drain)
    }

    static func observed(_ key: VirtualServiceKey, _ reals: [ObservedRealServer], scheduler: Scheduler = .roundRobin) -> ObservedTableEntry
    {
        ObservedTableEntry(
            virtualService: ObservedVirtualService(service: VirtualService(key: key, scheduler: scheduler)), realServers: reals)
    }

    static func plan(
        _ desired: [DesiredVirtualService], _ observed: [ObservedTableEntry], ledger: Ledger,
        addresses: Set<IPAddress> = [], bound: Set<IPAddress> = [], adopt: Bool = false, now: Int64 = 1000
    ) -> Plan {
        Planner.plan(
            desired: DesiredKernelState(virtualServices: desired, addresses: addresses), observed: observed,
            observedAddresses: bound, ledger: ledger, options: .init(adopt: adopt, now: now))
    }

    @Test("create: the service before its real servers, addresses last; the ledger claims them")
    func create() {
        let plan = Self.plan(
            [Self.desired(Self.web, [Self.real(1), Self.real(2)])], [], ledger: Ledger(),
            addresses: [IPAddress("198.51.100.10")!])
        #expect(
            plan.changes == [
                .createVirtualService(VirtualService(key: Self.web, scheduler: .roundRobin)),
                .createRealServer(Self.real(1), service: Self.web),
                .createRealServer(Self.real(2), service: Self.web),
                .addAddress(IPAddress("198.51.100.10")!),
            ])
        #expect(plan.ledger.virtualServices == [Self.web])
        #expect(plan.ledger.addresses == [IPAddress("198.51.100.10")!])
    }

    @Test("no change when the kernel matches, whatever its counters")
    func noop() {
        let observedReal = ObservedRealServer(server: Self.real(1), activeConnections: 5, inactiveConnections: 2)
        var entry = Self.observed(Self.web, [observedReal])
        entry.virtualService.statistics.connections = 99
        let plan = Self.plan([Self.desired(Self.web, [Self.real(1)])], [entry], ledger: Ledger(virtualServices: [Self.web]))
        #expect(plan.isEmpty)
    }

    @Test("edits only what differs: one field, one command")
    func edits() {
        let plan = Self.plan(
            [Self.desired(Self.web, [Self.real(1, weight: 3), Self.real(2)], scheduler: .weightedRoundRobin)],
            [Self.observed(Self.web, [ObservedRealServer(server: Self.real(1)), ObservedRealServer(server: Self.real(2))])],
            ledger: Ledger(virtualServices: [Self.web]))
        #expect(
            plan.changes == [
                .updateVirtualService(
                    from: VirtualService(key: Self.web, scheduler: .roundRobin),
                    to: VirtualService(key: Self.web, scheduler: .weightedRoundRobin)),
                .updateRealServer(from: Self.real(1), to: Self.real(1, weight: 3), service: Self.web),
            ])
    }

    @Test("delete: real servers before services; the service's own real servers go with it")
    func deletions() {
        let other = VirtualServiceKey.address(IPAddress("198.51.100.11")!, port: 80, protocol: .tcp)
        let plan = Self.plan(
            [Self.desired(Self.web, [Self.real(1)])],
            [
                Self.observed(other, [ObservedRealServer(server: Self.real(9))]),
                Self.observed(Self.web, [ObservedRealServer(server: Self.real(1)), ObservedRealServer(server: Self.real(2))]),
            ],
            ledger: Ledger(virtualServices: [Self.web, other]))
        #expect(
            plan.changes == [
                .deleteRealServer(ObservedRealServer(server: Self.real(2)), service: Self.web),
                .deleteVirtualService(
                    VirtualService(key: other, scheduler: .roundRobin), realServers: [ObservedRealServer(server: Self.real(9))]),
            ])
        #expect(plan.ledger.virtualServices == [Self.web])
        #expect(plan.deletionCount == 2)
    }

    @Test("foreign services are listed, never changed; a desired key held by one collides unless adopted")
    func ownership() {
        let foreignKey = VirtualServiceKey.address(IPAddress("192.0.2.200")!, port: 80, protocol: .tcp)
        let observed = [Self.observed(foreignKey, []), Self.observed(Self.web, [], scheduler: .leastConnection)]
        let plan = Self.plan([Self.desired(Self.web, [Self.real(1)])], observed, ledger: Ledger())
        #expect(plan.changes.isEmpty)
        #expect(plan.foreign.map(\.service.key) == [foreignKey])
        #expect(plan.collisions.map(\.service.key) == [Self.web])
        #expect(plan.collisions.first?.collidesWith == "default/web")

        let adopted = Self.plan([Self.desired(Self.web, [Self.real(1)])], observed, ledger: Ledger(), adopt: true)
        #expect(adopted.collisions.isEmpty)
        #expect(adopted.changes.count == 2)  // scheduler lc -> rr, add the real server
        #expect(adopted.ledger.virtualServices == [Self.web])
        #expect(adopted.foreign.map(\.service.key) == [foreignKey])
    }

    @Test("addresses: bind what is missing, remove only ours, list the rest")
    func addresses() {
        let ours = IPAddress("198.51.100.20")!, theirs = IPAddress("198.51.100.21")!, wanted = IPAddress("198.51.100.10")!
        let plan = Self.plan([], [], ledger: Ledger(addresses: [ours]), addresses: [wanted], bound: [ours, theirs])
        #expect(plan.changes == [.addAddress(wanted), .removeAddress(ours)])
        #expect(plan.foreignAddresses == [theirs])
        #expect(plan.ledger.addresses == [wanted])
    }

    @Test("the kernel's order of real servers (newest first, or any other) does not change the plan")
    func realServerOrder() {
        let wanted = [Self.real(1), Self.real(2, weight: 5), Self.real(3), Self.real(4)]
        let held = [Self.real(1), Self.real(2), Self.real(3), Self.real(4)].map { ObservedRealServer(server: $0) }
        let expected: [Change] = [.updateRealServer(from: Self.real(2), to: Self.real(2, weight: 5), service: Self.web)]
        for order in [held, held.reversed(), [held[2], held[0], held[3], held[1]]] {
            let plan = Self.plan(
                [Self.desired(Self.web, wanted)], [Self.observed(Self.web, Array(order))],
                ledger: Ledger(virtualServices: [Self.web]))
            #expect(plan.changes == expected)
        }
    }

    @Test("drain: a busy removed real server goes to weight 0, then is deleted when idle or at its deadline")
    func drain() {
        let busy = ObservedRealServer(server: Self.real(2, weight: 4), activeConnections: 3, inactiveConnections: 1)
        let first = Self.plan(
            [Self.desired(Self.web, [Self.real(1)], drain: 30)],
            [Self.observed(Self.web, [ObservedRealServer(server: Self.real(1)), busy])],
            ledger: Ledger(virtualServices: [Self.web]), now: 1000)
        #expect(first.changes == [.drainRealServer(busy, service: Self.web, deadline: 1030)])
        let drainKey = DrainKey(service: Self.web, realServer: busy.server.key)
        #expect(first.ledger.drains[drainKey] == Drain(deadline: 1030, previousWeight: 4))

        var drained = busy
        drained.server.weight = 0
        let observed = [Self.observed(Self.web, [ObservedRealServer(server: Self.real(1)), drained])]
        let waiting = Self.plan([Self.desired(Self.web, [Self.real(1)], drain: 30)], observed, ledger: first.ledger, now: 1010)
        #expect(waiting.changes.isEmpty)
        #expect(waiting.ledger.drains[drainKey] != nil)

        let expired = Self.plan([Self.desired(Self.web, [Self.real(1)], drain: 30)], observed, ledger: first.ledger, now: 1030)
        #expect(expired.changes == [.deleteRealServer(drained, service: Self.web)])
        #expect(expired.ledger.drains.isEmpty)

        var idle = drained
        idle.activeConnections = 0
        idle.inactiveConnections = 0
        let finished = Self.plan(
            [Self.desired(Self.web, [Self.real(1)], drain: 30)],
            [Self.observed(Self.web, [ObservedRealServer(server: Self.real(1)), idle])], ledger: first.ledger, now: 1011)
        #expect(finished.changes == [.deleteRealServer(idle, service: Self.web)])

        let back = Self.plan(
            [Self.desired(Self.web, [Self.real(1), Self.real(2, weight: 4)], drain: 30)], observed, ledger: first.ledger, now: 1011)
        #expect(back.changes == [.updateRealServer(from: drained.server, to: Self.real(2, weight: 4), service: Self.web)])
        #expect(back.ledger.drains.isEmpty)
    }

    @Test("idle, undrained and UDP real servers are deleted at once")
    func immediateDeletes() {
        let idle = ObservedRealServer(server: Self.real(2))
        let plan = Self.plan(
            [Self.desired(Self.web, [], drain: 30)], [Self.observed(Self.web, [idle])], ledger: Ledger(virtualServices: [Self.web]))
        #expect(plan.changes == [.deleteRealServer(idle, service: Self.web)])
        let busyUDP = ObservedRealServer(server: Self.real(3), activeConnections: 0, inactiveConnections: 5)
        let udp = Self.plan(
            [Self.desired(Self.dns, [], drain: 30)], [Self.observed(Self.dns, [busyUDP])], ledger: Ledger(virtualServices: [Self.dns]))
        #expect(udp.changes == [.deleteRealServer(busyUDP, service: Self.dns)])
    }

    @Test("guards: too many deletions, an empty desired state, collisions")
    func guards() {
        let owned = (1...5).map { VirtualServiceKey.address(.v4(IPv4Address(198, 51, 100, $0)), port: 80, protocol: .tcp) }
        let observed = owned.map { Self.observed($0, []) }
        let plan = Self.plan([], observed, ledger: Ledger(virtualServices: Set(owned)))
        let violations = PlanGuards.check(plan, desired: DesiredKernelState(), ownedServices: 5, limits: .init(maximumDeletions: 3))
        #expect(violations == [.wouldEmptyTable(ownedServices: 5), .tooManyDeletions(planned: 5, limit: 3)])
        #expect(
            PlanGuards.check(plan, desired: DesiredKernelState(), ownedServices: 5, limits: .init(maximumDeletions: 3, force: true)).isEmpty
        )
        let within = Self.plan([Self.desired(owned[0], [])], observed, ledger: Ledger(virtualServices: Set(owned)))
        #expect(
            PlanGuards.check(
                within, desired: DesiredKernelState(virtualServices: [Self.desired(owned[0], [])]), ownedServices: 5,
                limits: .init(maximumDeletions: 4)
            ).isEmpty)
    }

    // MARK: - Properties

    static let keys = Gen.int(in: 0...11).map { index -> VirtualServiceKey in
        .address(.v4(IPv4Address(198, 51, 100, UInt8(index))), port: 80, protocol: index % 3 == 0 ? .udp : .tcp)
    }
    static let reals = zip(Gen.int(in: 1...8), Gen.uint32(in: 0...3)).map { last, weight in Self.real(UInt8(last), weight: weight) }
    static let desiredEntries = zip(keys, reals.array(of: 0...5), Gen.bool).map { key, reals, wrr in
        Self.desired(
            key, Array(Dictionary(reals.map { ($0.key, $0) }, uniquingKeysWith: { a, _ in a }).values).sorted { $0.key < $1.key },
            scheduler: wrr ? .weightedRoundRobin : .roundRobin)
    }
    static let observedEntries = zip(keys, reals.array(of: 0...5), Gen.bool, Gen.uint32(in: 0...2)).map { key, reals, wrr, connections in
        Self.observed(
            key,
            Dictionary(reals.map { ($0.key, $0) }, uniquingKeysWith: { a, _ in a }).values.sorted { $0.key < $1.key }
                .map { ObservedRealServer(server: $0, activeConnections: connections) },
            scheduler: wrr ? .weightedRoundRobin : .roundRobin)
    }

    @Test("applying the plan yields the desired owned state, and the next plan is empty")
    func convergence() async {
        await propertyCheck(count: 300, input: Self.desiredEntries.array(of: 0...6), Self.observedEntries.array(of: 0...6), Gen.bool) {
            desiredList, observedList, ownAll in
            let desired = Array(Dictionary(desiredList.map { ($0.service.key, $0) }, uniquingKeysWith: { a, _ in a }).values)
            let observed = Array(
                Dictionary(observedList.map { ($0.virtualService.service.key, $0) }, uniquingKeysWith: { a, _ in a }).values)
            // Own everything observed, or only every other one: the rest is foreign.
            let owned = Set(observed.enumerated().filter { ownAll || $0.offset % 2 == 0 }.map(\.element.virtualService.service.key))
            let state = DesiredKernelState(virtualServices: desired.sorted { $0.service.key < $1.service.key })
            let plan = Planner.plan(
                desired: state, observed: observed, observedAddresses: [], ledger: Ledger(virtualServices: owned),
                options: .init(adopt: false, now: 0))
            let (after, _) = KernelSimulation.apply(plan, to: observed, addresses: [])
            let afterByKey = Dictionary(after.map { ($0.virtualService.service.key, $0) }, uniquingKeysWith: { a, _ in a })
            for want in desired {
                let collided = plan.collisions.contains { $0.service.key == want.service.key }
                if collided {
                    // Foreign: left exactly as it was.
                    #expect(afterByKey[want.service.key] == observed.first { $0.virtualService.service.key == want.service.key })
                } else {
                    #expect(afterByKey[want.service.key]?.virtualService.service == want.service)
                    #expect(Set(afterByKey[want.service.key]?.realServers.map(\.server) ?? []) == Set(want.realServers))
                }
            }
            for entry in observed where !owned.contains(entry.virtualService.service.key) {
                #expect(afterByKey[entry.virtualService.service.key] == entry, "a foreign service changed")
            }
            let second = Planner.plan(
                desired: state, observed: after, observedAddresses: [], ledger: plan.ledger,
                options: .init(adopt: false, now: 0))
            #expect(second.changes.isEmpty)
        }
    }
}
