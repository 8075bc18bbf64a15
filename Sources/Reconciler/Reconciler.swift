import Conntrack
import IPVSCore
import IPVSNetlink
import IPVSWire
import Logging

/// Reads the kernel, plans the difference to the desired state, and applies it: the one place
/// where the pure planner meets the kernel and the ledger.
public struct Reconciler: Sendable {
    public struct Options: Sendable {
        public var node: String
        public var interface: String
        public var adopt: Bool
        public var limits: PlanGuards.Limits
        /// Seconds since the Unix epoch; injected so that drains are testable.
        public var now: Int64

        public init(
            node: String, interface: String = DesiredState.defaultInterface, adopt: Bool = false,
            limits: PlanGuards.Limits = PlanGuards.Limits(), now: Int64
        ) {
            self.node = node
            self.interface = interface
            self.adopt = adopt
            self.limits = limits
            self.now = now
        }
    }

    /// A plan with everything that was read to make it.
    public struct Planning: Sendable {
        public var desired: DesiredKernelState
        public var plan: Plan
        public var violations: [PlanGuards.Violation]
        public var previousLedger: Ledger
        /// The IPVS table the plan was made against: a full read, or the scoped entries.
        public var observed: [ObservedTableEntry] = []
        /// The netfilter table the desired state makes (a full plan's).
        public var packetFilter: PacketFilterTally?
    }

    public struct Report: Sendable {
        /// Ownership as the apply left it (and wrote it).
        public var ledger: Ledger
        public var applied: [Change]
        /// Packet-filter changes, sent as one nftables transaction before any IPVS command.
        public var packetFilterChanges: Int = 0
        /// How long that transaction took (the kernel's commit included).
        public var packetFilterDuration: Duration = .zero
        /// The flows of every UDP real server this apply removed: their conntrack entries must go.
        public var udpFlowsRemoved: [ConntrackFlowFilter] = []
        /// Conntrack entries of those flows deleted after the IPVS changes (with a conntrack table).
        public var conntrackEntriesDeleted: Int = 0
        /// Why deleting them failed, if it did (the IPVS changes stand).
        public var conntrackFailure: ConntrackError?
        public var failures: [(change: Change, error: IPVSError)]
        /// IPVS commands sent to the kernel.
        public var kernelCommands: Int
        /// Address commands sent.
        public var addressCommands: Int
    }

    public struct Failure: Error, CustomStringConvertible {
        public enum Code: String, Sendable { case kernel, ledger, refused }
        public var code: Code
        public var message: String
        public var cause: (any Error)?
        public var description: String { message + (cause.map { ": \($0)" } ?? "") }
    }

    let table: any IPVSTable
    let addresses: (any AddressTable)?
    let sysctls: (any SysctlTable)?
    let packetFilter: (any PacketFilterTable)?
    let conntrack: (any ConntrackTable)?
    let ledgerStore: LedgerStore
    let logger: Logger

    /// - Parameters:
    ///   - packetFilter: our nftables table; nil leaves masquerading and source ranges unplanned
    ///     (in-memory tests).
    ///   - conntrack: where the conntrack entries of UDP backends that left are deleted, inline;
    ///     nil leaves that to the caller (``Report/udpFlowsRemoved``).
    public init(
        table: any IPVSTable, addresses: (any AddressTable)?, sysctls: (any SysctlTable)? = nil,
        packetFilter: (any PacketFilterTable)? = nil, conntrack: (any ConntrackTable)? = nil,
        ledgerStore: LedgerStore, logger: Logger
    ) {
        self.packetFilter = packetFilter
        self.conntrack = conntrack
        self.table = table
        self.addresses = addresses
        self.sysctls = sysctls
        self.ledgerStore = ledgerStore
        self.logger = logger
    }

    /// Reads the kernel's IPVS table: the largest read a plan needs. Separate so that a caller
    /// can read it while it does other work (the command line parses the config meanwhile).
    public func readTable() throws(Failure) -> [ObservedTableEntry] {
        do { return try table.table() } catch { throw Failure(code: .kernel, message: "cannot read the kernel's state", cause: error) }
    }

    /// Reads the kernel and the ledger and plans; changes nothing.
    /// - Parameters:
    ///   - health: the health checker's verdicts (the agent); nil takes endpoints as declared.
    ///   - observedTable: the table from ``readTable()``, when the caller has read it already.
    public func plan(
        _ state: DesiredState, options: Options, health: HealthView? = nil,
        observedTable: [ObservedTableEntry]? = nil
    ) throws(Failure) -> Planning {
        let ledger: Ledger
        do { ledger = try ledgerStore.load() } catch { throw Failure(code: .ledger, message: "cannot read the ledger", cause: error) }
        var desired = EndpointSelection.select(state, node: options.node, health: health)
        let tally = PacketFilterTally(state, kernel: desired, node: options.node)
        let desiredFilter = tally.filter
        let (settings, settingConflict) = PacketPathPolicy.kernelSettings(state.kernel, filter: desiredFilter, kernel: desired)
        desired.kernel = settings
        let observed: [ObservedTableEntry]
        let timeouts: Timeouts?
        let bound: Set<IPAddress>
        let sysctlValues: [KernelSysctl: Int]
        var filterState: PacketFilterState?
        do {
            // A node that needs no rules and owns no table needs no nf_tables either.
            if let packetFilter, !desiredFilter.isEmpty || ledger.packetFilter {
                filterState = PacketFilterState(desired: desiredFilter, observed: try packetFilter.read())
            }
        } catch {
            throw Failure(code: .kernel, message: "cannot read our nftables table", cause: error)
        }
        do {
            let declared = Set(settings.sysctls.keys)
            sysctlValues = declared.isEmpty ? [:] : try sysctls?.values(of: declared) ?? [:]
            observed = try TableRead.confirmed(
                observedTable ?? table.table(), owned: ledger.virtualServices, reread: { () throws(IPVSError) in try table.table() })
            timeouts = state.kernel.timeouts == nil ? nil : try table.timeouts()
            bound = try addresses?.addresses(on: options.interface) ?? desired.addresses
        } catch {
            throw Failure(code: .kernel, message: "cannot read the kernel's state", cause: error)
        }
        let plan = Planner.plan(
            desired: desired, observed: observed, observedAddresses: bound,
            observedTimeouts: timeouts, observedSysctls: sysctlValues, packetFilter: filterState, ledger: ledger,
            options: Planner.Options(adopt: options.adopt, now: options.now))
        let owned = observed.count { ledger.virtualServices.contains($0.virtualService.service.key) }
        var violations = PlanGuards.check(plan, desired: desired, ownedServices: owned, limits: options.limits)
        if let settingConflict { violations.append(.kernelSettingConflict(settingConflict)) }
        logger.debug(
            "ipvs plan made",
            metadata: [
                "changes": "\(plan.changes.count)", "foreign": "\(plan.foreign.count)", "blackholed": "\(plan.blackholed.count)",
            ])
        return Planning(
            desired: desired, plan: plan, violations: violations, previousLedger: ledger, observed: observed, packetFilter: tally)
    }

    /// Whether plans cover our nftables table (in-memory tests leave it out).
    public var managesPacketFilter: Bool { packetFilter != nil }

    /// Plans only `services` against a mirror of the table and the ledger the caller keeps,
    /// reading nothing: the agent's pass after an event that touched a few services, when the
    /// rest is known to be as desired (``Planner/planServices(_:observed:ledger:options:)``).
    ///
    /// - Parameter packetFilterChanges: element changes of our nftables table the services make
    ///   (``PacketFilterTally/replace(_:with:)``), sent first as one transaction.
    public func planServices(
        _ services: [DesiredVirtualService], mirror: TableMirror, ledger: Ledger, packetFilterChanges: [Change] = [],
        options: Options
    ) -> Planning {
        let observed = mirror.entries(for: services.map(\.service.key))
        var plan = Planner.planServices(
            services, observed: observed, ledger: ledger, options: Planner.Options(adopt: options.adopt, now: options.now))
        if managesPacketFilter { plan.changes = packetFilterChanges + plan.changes }
        let desired = DesiredKernelState(virtualServices: services)
        let owned = observed.keys.count { ledger.virtualServices.contains($0) }
        let violations = PlanGuards.check(plan, desired: desired, ownedServices: owned, limits: options.limits)
        return Planning(desired: desired, plan: plan, violations: violations, previousLedger: ledger, observed: Array(observed.values))
    }

    /// Applies a plan whose guards passed. The ledger is written before the first kernel write
    /// (claiming what is about to be created, so that an interrupted apply still owns it) and
    /// after the last (releasing what was deleted, dropping what failed to be created).
    public func apply(_ planning: Planning, interface: String) throws(Failure) -> Report {
        guard planning.violations.isEmpty else {
            throw Failure(code: .refused, message: planning.violations.map(\.description).joined(separator: "; "))
        }
        let plan = planning.plan
        let ahead = plan.ledger.including(planning.previousLedger)
        // A plan that changes no ownership (a health verdict's) leaves the file as it is.
        var written = planning.previousLedger
        if ahead != written {
            do { try ledgerStore.save(ahead) } catch { throw Failure(code: .ledger, message: "cannot write the ledger", cause: error) }
            written = ahead
        }

        var final = plan.ledger
        var budget = KernelCommandBudget()
        var applied: [Change] = []
        var failures: [(change: Change, error: IPVSError)] = []

        // Netfilter first, in one transaction: all of it or none. If the kernel refuses it, no
        // IPVS command has been sent yet, so the whole apply changed nothing.
        let filterChanges = plan.changes.filter(\.isPacketFilterChange)
        var filterDuration = Duration.zero
        if let packetFilter, !filterChanges.isEmpty {
            let started = ContinuousClock.now
            defer { filterDuration = ContinuousClock.now - started }
            do { try packetFilter.apply(filterChanges, dryRun: false) } catch {
                try? ledgerStore.save(planning.previousLedger)
                throw Failure(
                    code: .kernel, message: "the nftables transaction was refused; nothing was changed, in netfilter or in IPVS",
                    cause: error)
            }
            applied += filterChanges
            budget.spend(1)
        }

        // Two batches: new services first, then everything else. A create that meets EEXIST means
        // someone else made that service since we read the table; its real servers must then not
        // be sent, or they would land in a service that is not ours.
        var commands = 0
        /// Sends one batch and files each change as applied or failed. A broken conversation
        /// leaves the written-ahead ledger in place: the next apply reads the table again.
        func send(_ whole: [Change]) throws(Failure) {
            let batch = Array(whole.prefix(budget.allowance(whole.count)))
            guard !batch.isEmpty else { return }
            let result: BatchResult
            do { result = try table.apply(batch.compactMap(\.request)) } catch {
                throw Failure(
                    code: .kernel, message: "the kernel conversation failed mid-apply; the next apply reads the table again", cause: error)
            }
            commands += batch.count
            let failed = Dictionary(result.failures.map { ($0.index, $0.error) }, uniquingKeysWith: { first, _ in first })
            for (index, change) in batch.enumerated() {
                if let error = failed[index] {
                    failures.append((change, error))
                    Self.release(change, in: &final, previous: planning.previousLedger)
                } else {
                    applied.append(change)
                }
            }
            budget.spend(batch.count)
        }

        let kernelChanges = plan.changes.filter { $0.request != nil }
        let serviceCreates = kernelChanges.filter { if case .createVirtualService = $0 { true } else { false } }
        try send(serviceCreates)
        let lost = Set(
            failures.compactMap { failure -> VirtualServiceKey? in
                if case .createVirtualService(let service) = failure.change { service.key } else { nil }
            })
        try send(
            kernelChanges.filter { change in
                if case .createVirtualService = change { return false }
                guard let key = change.serviceKey, lost.contains(key) else { return true }
                failures.append(
                    (
                        change,
                        IPVSError(
                            .commandFailed, "not sent: the virtual service was created by someone else meanwhile",
                            object: "\(key)")
                    ))
                return false
            })

        let adding = plan.changes.compactMap { if case .addAddress(let a) = $0 { a } else { nil } }
        let removing = plan.changes.compactMap { if case .removeAddress(let a) = $0 { a } else { nil } }
        if let addresses, !(adding.isEmpty && removing.isEmpty) {
            let allowed = budget.allowance(adding.count + removing.count)
            let sentAdding = Array(adding.prefix(allowed))
            let sentRemoving = Array(removing.prefix(allowed - sentAdding.count))
            defer { budget.spend(sentAdding.count + sentRemoving.count) }
            do {
                let addressFailures = try addresses.change(adding: sentAdding, removing: sentRemoving, on: interface)
                let failedAddresses = Dictionary(addressFailures.map { ($0.0, $0.1) }, uniquingKeysWith: { first, _ in first })
                for change in plan.changes {
                    let (address, isAdd): (IPAddress, Bool)
                    switch change {
                    case .addAddress(let a): (address, isAdd) = (a, true)
                    case .removeAddress(let a): (address, isAdd) = (a, false)
                    default: continue
                    }
                    guard let error = failedAddresses[address] else {
                        applied.append(change)
                        continue
                    }
                    failures.append((change, error))
                    if isAdd { final.addresses.remove(address) } else { final.addresses.insert(address) }
                }
            } catch {
                final.addresses.formUnion(planning.previousLedger.addresses)
                failures += (adding.map { Change.addAddress($0) } + removing.map { Change.removeAddress($0) }).map { ($0, error) }
            }
        }

        for change in plan.changes {
            guard case .setSysctl(let name, _, let value) = change, let sysctls else { continue }
            do {
                try sysctls.set(name, to: value)
                applied.append(change)
            } catch {
                failures.append((change, error))
            }
            budget.spend(1)
        }

        // A UDP backend that left keeps its conntrack entries, and a client that keeps its source
        // port (a resolver) keeps being sent to it; delete that backend's entries, only those.
        var conntrackDeleted = 0
        var conntrackFailure: ConntrackError?
        let leftUDP = Self.udpFlowsOfRemovedBackends(applied)
        if let conntrack, !leftUDP.isEmpty {
            do { conntrackDeleted = try conntrack.deleteFlows(matching: leftUDP) } catch {
                conntrackFailure = error
                logger.warning("conntrack entries of removed UDP backends not deleted", metadata: ["error": "\(error)"])
            }
        }

        if final != written {
            do { try ledgerStore.save(final) } catch { throw Failure(code: .ledger, message: "cannot write the ledger", cause: error) }
        }
        for failure in failures {
            logger.warning("ipvs change failed", metadata: ["change": "\(failure.change)", "error": "\(failure.error)"])
        }
        return Report(
            ledger: final, applied: applied, packetFilterChanges: filterChanges.count, packetFilterDuration: filterDuration,
            udpFlowsRemoved: leftUDP, conntrackEntriesDeleted: conntrackDeleted, conntrackFailure: conntrackFailure,
            failures: failures, kernelCommands: commands,
            addressCommands: adding.count + removing.count)
    }

    /// The flows of every UDP real server the applied changes removed, one filter per backend
    /// and virtual service.
    static func udpFlowsOfRemovedBackends(_ applied: [Change]) -> [ConntrackFlowFilter] {
        applied.flatMap { change -> [ConntrackFlowFilter] in
            let removed: [RealServer]
            let key: VirtualServiceKey
            switch change {
            case .deleteRealServer(let observed, let service): (removed, key) = ([observed.server], service)
            case .deleteVirtualService(let service, let reals): (removed, key) = (reals.map(\.server), service.key)
            default: return []
            }
            guard case .address(let address, let port, .udp) = key else { return [] }
            return removed.map {
                ConntrackFlowFilter(
                    protocol: .udp, virtualAddress: address, virtualPort: port, backendAddress: $0.address, backendPort: $0.port)
            }
        }
    }

    /// A change that failed leaves ownership as it was before it.
    static func release(_ change: Change, in ledger: inout Ledger, previous: Ledger) {
        switch change {
        case .createVirtualService(let service):
            // EEXIST: not ours after all, unless it was ours before (a dump that missed it).
            if !previous.virtualServices.contains(service.key) { ledger.virtualServices.remove(service.key) }
        case .deleteVirtualService(let service, _):
            ledger.virtualServices.insert(service.key)
        case .drainRealServer(let real, let service, _):
            ledger.drains.removeValue(forKey: DrainKey(service: service, realServer: real.server.key))
        case .deleteRealServer(let real, let service):
            let key = DrainKey(service: service, realServer: real.server.key)
            if let drain = previous.drains[key] { ledger.drains[key] = drain }
        default:
            break
        }
    }
}

extension Change {
    /// The IPVS command that carries this change, or nil for address changes.
    public var request: IPVSRequest? {
        switch self {
        case .createVirtualService(let service): .newService(service)
        case .updateVirtualService(_, let service): .setService(service)
        case .deleteVirtualService(let service, _): .deleteService(service.key)
        case .createRealServer(let server, let key): .newRealServer(server, service: key)
        case .updateRealServer(_, let server, let key): .setRealServer(server, service: key)
        case .drainRealServer(let observed, let key, _):
            .setRealServer(observed.server.withWeight(0), service: key)
        case .deleteRealServer(let observed, let key): .deleteRealServer(observed.server.key, service: key)
        case .setTimeouts(_, let timeouts): .setTimeouts(timeouts)
        case .addAddress, .removeAddress, .setSysctl, .createPacketFilter, .repairPacketFilter, .deletePacketFilter,
            .addFilterElement, .deleteFilterElement:
            nil
        }
    }
}

extension RealServer {
    func withWeight(_ weight: UInt32) -> RealServer {
        var copy = self
        copy.weight = weight
        return copy
    }
}
