/// Compares what the kernel holds with what is desired and orders the difference.
///
/// Minimal: a field is written only when it really differs (a scheduler change costs an RCU grace
/// period; a needless delete and re-add puts the real server in the kernel's trash list). Never
/// a flush. Only owned objects (the ledger) are changed; a foreign object with a desired key is a
/// collision unless `adopt` is set.
public enum Planner {
    public struct Options: Hashable, Sendable {
        /// Take over foreign virtual services and addresses that the desired state declares.
        public var adopt: Bool
        /// Now, in seconds since the Unix epoch (drain deadlines).
        public var now: Int64

        public init(adopt: Bool = false, now: Int64) {
            self.adopt = adopt
            self.now = now
        }
    }

    public static func plan(
        desired: DesiredKernelState,
        observed: [ObservedTableEntry],
        observedAddresses: Set<IPAddress>,
        observedTimeouts: Timeouts? = nil,
        observedSysctls: [KernelSysctl: Int] = [:],
        packetFilter: PacketFilterState? = nil,
        ledger: Ledger,
        options: Options
    ) -> Plan {
        var services = ServiceChanges()
        var foreign: [ForeignVirtualService] = []
        var newLedger = ledger

        // Positions and keys, not copies of the entries: at 10,000 services each copy of an
        // entry retains its real servers' array, and building the tables was most of a no-op plan.
        var observedPosition: [VirtualServiceKey: Int] = [:]
        observedPosition.reserveCapacity(observed.count)
        for (position, entry) in observed.enumerated() where observedPosition[entry.virtualService.service.key] == nil {
            observedPosition[entry.virtualService.service.key] = position
        }
        var desiredKeys = Set<VirtualServiceKey>(minimumCapacity: desired.virtualServices.count)
        for want in desired.virtualServices { desiredKeys.insert(want.service.key) }

        // Services the ledger names but the kernel no longer has: someone deleted them.
        for key in ledger.virtualServices where observedPosition[key] == nil && !desiredKeys.contains(key) {
            newLedger.virtualServices.remove(key)
        }
        if !newLedger.drains.isEmpty { newLedger.drains = newLedger.drains.filter { observedPosition[$0.key.service] != nil } }

        for want in desired.virtualServices {
            planService(
                want, have: observedPosition[want.service.key].map { observed[$0] }, ledger: ledger, newLedger: &newLedger,
                options: options, into: &services)
        }

        for entry in observed {
            let service = entry.virtualService.service
            guard !desiredKeys.contains(service.key) else { continue }
            if ledger.virtualServices.contains(service.key) {
                services.serviceDeletes.append(.deleteVirtualService(service, realServers: entry.realServers))
                newLedger.virtualServices.remove(service.key)
                newLedger.drains = newLedger.drains.filter { $0.key.service != service.key }
            } else {
                foreign.append(ForeignVirtualService(service: service, realServerCount: entry.realServers.count, collidesWith: nil))
            }
        }

        // Addresses: bind what is missing, unbind only what we bound.
        var addressChanges: [Change] = []
        var foreignAddresses: [IPAddress] = []
        for address in desired.addresses.sorted() where !observedAddresses.contains(address) {
            addressChanges.append(.addAddress(address))
            newLedger.addresses.insert(address)
        }
        for address in desired.addresses where observedAddresses.contains(address) && !ledger.addresses.contains(address) {
            if options.adopt { newLedger.addresses.insert(address) }
        }
        for address in observedAddresses.sorted() where !desired.addresses.contains(address) {
            if ledger.addresses.contains(address) {
                addressChanges.append(.removeAddress(address))
                newLedger.addresses.remove(address)
            } else {
                foreignAddresses.append(address)
            }
        }
        for address in ledger.addresses where !observedAddresses.contains(address) && !desired.addresses.contains(address) {
            newLedger.addresses.remove(address)
        }

        var settings: [Change] = []
        if let wanted = desired.kernel.timeouts, let current = observedTimeouts {
            // 0 leaves a timeout as it is, so compare only what is asked for.
            let target = Timeouts(
                tcp: wanted.tcp == 0 ? current.tcp : wanted.tcp,
                tcpFin: wanted.tcpFin == 0 ? current.tcpFin : wanted.tcpFin,
                udp: wanted.udp == 0 ? current.udp : wanted.udp)
            if target != current { settings.append(.setTimeouts(from: current, to: target)) }
        }
        for (name, value) in desired.kernel.sysctls.sorted(by: { $0.key < $1.key }) {
            if let current = observedSysctls[name], current != value {
                settings.append(.setSysctl(name, from: current, to: value))
            }
        }

        var filterChanges: [Change] = []
        var foreignPacketFilter = false
        if let packetFilter {
            let outcome = PacketFilterPlanner.plan(
                desired: packetFilter.desired, observed: packetFilter.observed,
                owned: ledger.packetFilter, adopt: options.adopt)
            filterChanges = outcome.changes
            foreignPacketFilter = outcome.foreign
            if !outcome.foreign { newLedger.packetFilter = outcome.owned }
        }

        var plan = Plan(
            // The netfilter table goes first: it is one transaction, sent before any IPVS command.
            changes: Self.joined([filterChanges, services.ordered, addressChanges, settings]),
            foreign: foreign.sorted { $0.service.key < $1.service.key },
            collisions: services.collisions.sorted { $0.service.key < $1.service.key },
            foreignAddresses: foreignAddresses,
            blackholed: desired.virtualServices.filter { $0.outcome == .blackholed },
            fallbacks: desired.virtualServices.filter { $0.outcome == .fallback },
            ledger: newLedger)
        plan.foreignPacketFilter = foreignPacketFilter
        return plan
    }

    /// Plans only the given virtual services, against the kernel's entries for their keys: what
    /// an event touched (a health verdict), when the rest of the table is known to be as
    /// desired. Addresses, kernel settings, the packet filter and services that are not named
    /// are out of its scope: the ledger keeps what it says of them.
    ///
    /// - Parameter observed: the kernel's entries for (at least) the keys of `desired`; a key
    ///   missing from it is a service the kernel does not hold.
    public static func planServices(
        _ desired: [DesiredVirtualService], observed: [VirtualServiceKey: ObservedTableEntry], ledger: Ledger, options: Options
    ) -> Plan {
        var services = ServiceChanges()
        var newLedger = ledger
        for want in desired {
            planService(want, have: observed[want.service.key], ledger: ledger, newLedger: &newLedger, options: options, into: &services)
        }
        return Plan(
            changes: services.ordered, foreign: [], collisions: services.collisions.sorted { $0.service.key < $1.service.key },
            foreignAddresses: [], blackholed: desired.filter { $0.outcome == .blackholed },
            fallbacks: desired.filter { $0.outcome == .fallback }, ledger: newLedger)
    }

    /// The changes of virtual services and their real servers, by kind, in the order they run.
    struct ServiceChanges {
        var creates: [Change] = []
        var realServerChanges: [Change] = []
        var drains: [Change] = []
        var realServerDeletes: [Change] = []
        var serviceDeletes: [Change] = []
        var collisions: [ForeignVirtualService] = []

        /// Every change in the order it is applied.
        var ordered: [Change] { Planner.joined([creates, realServerChanges, drains, realServerDeletes, serviceDeletes]) }
    }

    /// The lists one after the other, each change copied once: `a + b + c` copied `a` again for
    /// each list after it, an empty one included (110,000 creates of a cold apply, 12 ms at
    /// 10,000 services). A list alone is returned as it is.
    static func joined(_ lists: [[Change]]) -> [Change] {
        let nonEmpty = lists.filter { !$0.isEmpty }
        guard nonEmpty.count > 1 else { return nonEmpty.first ?? [] }
        var all: [Change] = []
        all.reserveCapacity(nonEmpty.reduce(0) { $0 + $1.count })
        for list in nonEmpty { all.append(contentsOf: list) }
        return all
    }

    /// One desired virtual service against what the kernel holds under its key.
    static func planService(
        _ want: DesiredVirtualService, have: ObservedTableEntry?, ledger: Ledger, newLedger: inout Ledger, options: Options,
        into changes: inout ServiceChanges
    ) {
        let key = want.service.key
        guard let have else {
            changes.creates.append(.createVirtualService(want.service))
            for server in want.realServers {
                changes.creates.append(.createRealServer(server, service: key))
            }
            newLedger.virtualServices.insert(key)
            return
        }
        if !ledger.virtualServices.contains(key) {
            let entry = ForeignVirtualService(
                service: have.virtualService.service, realServerCount: have.realServers.count,
                collidesWith: want.origin.serviceName)
            guard options.adopt else {
                changes.collisions.append(entry)
                return
            }
            newLedger.virtualServices.insert(key)
        }
        if have.virtualService.service != want.service {
            changes.realServerChanges.append(.updateVirtualService(from: have.virtualService.service, to: want.service))
        }
        planRealServers(
            want: want, have: have, ledger: &newLedger, now: options.now,
            changes: &changes.realServerChanges, drains: &changes.drains, deletes: &changes.realServerDeletes)
    }

    /// Real servers of one owned service: add, edit, drain or delete.
    static func planRealServers(
        want: DesiredVirtualService, have: ObservedTableEntry, ledger: inout Ledger, now: Int64,
        changes: inout [Change], drains: inout [Change], deletes: inout [Change]
    ) {
        let key = want.service.key
        // The common case: the kernel holds exactly the wanted real servers. It lists a service's
        // real servers newest first, so a service we built reads back in reverse order, and one
        // built by an older config in some other order. The first two are compared pairwise,
        // without hashing.
        func planMatched(_ pairs: some Sequence<(ObservedRealServer, RealServer)>) {
            for (current, server) in pairs {
                endDrain(of: server.key, in: key, ledger: &ledger)
                if current.server != server {
                    changes.append(.updateRealServer(from: current.server, to: server, service: key))
                }
            }
        }
        if have.realServers.count == want.realServers.count {
            if zip(have.realServers.reversed(), want.realServers).allSatisfy({ $0.server.key == $1.key }) {
                return planMatched(zip(have.realServers.reversed(), want.realServers))
            }
            if zip(have.realServers, want.realServers).allSatisfy({ $0.server.key == $1.key }) {
                return planMatched(zip(have.realServers, want.realServers))
            }
        }
        var observed = Dictionary(have.realServers.map { ($0.server.key, $0) }, uniquingKeysWith: { first, _ in first })
        for server in want.realServers {
            endDrain(of: server.key, in: key, ledger: &ledger)
            guard let current = observed.removeValue(forKey: server.key) else {
                changes.append(.createRealServer(server, service: key))
                continue
            }
            if current.server != server {
                changes.append(.updateRealServer(from: current.server, to: server, service: key))
            }
        }
        // What is left is in the kernel and no longer wanted.
        for current in observed.values.sorted(by: { $0.server.key < $1.server.key }) {
            let drainKey = DrainKey(service: key, realServer: current.server.key)
            if want.heldRealServers.contains(current.server.key) { continue }  // its verdict decides
            if want.failedRealServers.contains(current.server.key) {
                deletes.append(.deleteRealServer(current, service: key))
                ledger.drains.removeValue(forKey: drainKey)
                continue
            }
            let idle = current.activeConnections == 0 && current.inactiveConnections == 0
            // UDP has no connection end to wait for: clients fail over fastest if it goes at once.
            let drainable = (want.drainSeconds ?? 0) > 0 && !isUDP(key)
            if let drain = ledger.drains[drainKey] {
                if idle || now >= drain.deadline {
                    deletes.append(.deleteRealServer(current, service: key))
                    ledger.drains.removeValue(forKey: drainKey)
                } else if current.server.weight != 0 {
                    drains.append(.drainRealServer(current, service: key, deadline: drain.deadline))
                }
            } else if drainable && !idle {
                let deadline = now + Int64(want.drainSeconds ?? 0)
                ledger.drains[drainKey] = Drain(deadline: deadline, previousWeight: current.server.weight)
                if current.server.weight != 0 {
                    drains.append(.drainRealServer(current, service: key, deadline: deadline))
                }
            } else {
                deletes.append(.deleteRealServer(current, service: key))
            }
        }
    }

    /// A real server wanted again: its drain, if any, ends.
    private static func endDrain(of server: RealServerKey, in service: VirtualServiceKey, ledger: inout Ledger) {
        guard !ledger.drains.isEmpty else { return }  // nearly always: no hashing then
        ledger.drains.removeValue(forKey: DrainKey(service: service, realServer: server))
    }

    static func isUDP(_ key: VirtualServiceKey) -> Bool {
        if case .address(_, _, .udp) = key { return true }
        return false
    }
}
