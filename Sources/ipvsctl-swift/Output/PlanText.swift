import IPVSCore
import Reconciler

/// A plan the way `terraform plan` shows one: a line per change with what changes, then what
/// the operator must know (blackholed services, fallbacks, foreign objects, refusals).
enum PlanText {
    static func render(_ planning: Reconciler.Planning, node: String, interface: String) -> String {
        let plan = planning.plan
        var out = ""
        if plan.isEmpty {
            out += "No changes: the kernel matches the config for node \(node).\n"
        } else {
            out +=
                "Plan for node \(node): \(plan.count(.add)) to add, \(plan.count(.change)) to change, "
                + "\(plan.count(.drain)) to drain, \(plan.count(.delete)) to delete.\n\n"
            let origins = Dictionary(planning.desired.virtualServices.map { ($0.service.key, $0.origin) }, uniquingKeysWith: { a, _ in a })
            for change in plan.changes {
                out += line(change, origins: origins, interface: interface) + "\n"
            }
        }
        if !plan.blackholed.isEmpty {
            out += "\nBlackholed (Local policy, no usable endpoint on this node: connections are refused):\n"
            for entry in plan.blackholed {
                out += "  ! \(entry.service.key)  [\(entry.origin.serviceName), \(entry.origin.scope)]\n"
            }
        }
        if !plan.fallbacks.isEmpty {
            out += "\nFalling back (PreferLocal, no local endpoint: sent to other nodes):\n"
            for entry in plan.fallbacks {
                out +=
                    "  ~ \(entry.service.key)  [\(entry.origin.serviceName), \(entry.origin.scope)] -> \(entry.realServers.count) remote real servers\n"
            }
        }
        if !plan.foreign.isEmpty || !plan.foreignAddresses.isEmpty {
            out += "\nForeign (not created by ipvsctl-swift, left untouched):\n"
            for entry in plan.foreign {
                out += "  = \(entry.service.key) \(entry.service.scheduler.rawValue) with \(entry.realServerCount) real servers\n"
            }
            for address in plan.foreignAddresses {
                out += "  = address \(address) on \(interface)\n"
            }
        }
        if !planning.violations.isEmpty {
            out += "\nRefused:\n"
            for violation in planning.violations { out += "  x \(violation)\n" }
        }
        return out
    }

    static func line(_ change: Change, origins: [VirtualServiceKey: SelectionOrigin], interface: String) -> String {
        func origin(_ key: VirtualServiceKey) -> String {
            guard let origin = origins[key] else { return "" }
            return "  [\(origin.serviceName), \(origin.scope), \(origin.policy.rawValue)]"
        }
        switch change {
        case .createVirtualService(let service):
            return "  + virtual service \(service.key) \(describe(service))\(origin(service.key))"
        case .updateVirtualService(let old, let new):
            return "  ~ virtual service \(new.key): " + differences(old, new).joined(separator: ", ")
        case .deleteVirtualService(let service, let reals):
            let connections = reals.reduce(0) { $0 + Int($1.activeConnections) + Int($1.inactiveConnections) }
            return "  - virtual service \(service.key) with \(reals.count) real servers (\(connections) connections)"
        case .createRealServer(let server, let key):
            return "  +   real server \(server.key) \(forwarding(server.forwarding)) weight \(server.weight)  in \(key)"
        case .updateRealServer(let old, let new, let key):
            return "  ~   real server \(new.key) in \(key): " + differences(old, new).joined(separator: ", ")
        case .drainRealServer(let observed, let key, let deadline):
            return "  v   drain real server \(observed.server.key) in \(key): weight \(observed.server.weight) -> 0 "
                + "(active \(observed.activeConnections), inactive \(observed.inactiveConnections)), deleted when idle or at \(deadline)"
        case .deleteRealServer(let observed, let key):
            return
                "  -   real server \(observed.server.key) in \(key) (active \(observed.activeConnections), inactive \(observed.inactiveConnections))"
        case .addAddress(let address):
            return "  + address \(address) on \(interface)"
        case .removeAddress(let address):
            return "  - address \(address) from \(interface)"
        case .setSysctl(let name, let old, let new):
            return "  ~ sysctl \(name.name): \(old) -> \(new)"
        case .setTimeouts(let old, let new):
            return "  ~ timeouts (tcp tcpfin udp): \(old.tcp) \(old.tcpFin) \(old.udp) -> \(new.tcp) \(new.tcpFin) \(new.udp)"
        case .createPacketFilter:
            return "  + nftables table inet \(PacketFilterSet.tableName) (its sets, chains and rules)"
        case .repairPacketFilter(let reason):
            return "  ~ nftables table inet \(PacketFilterSet.tableName) made again: \(reason)"
        case .deletePacketFilter:
            return "  - nftables table inet \(PacketFilterSet.tableName)"
        case .addFilterElement(let element, let set):
            return "  + nftables element { \(element) } in \(set)"
        case .deleteFilterElement(let element, let set):
            return "  - nftables element { \(element) } from \(set)"
        }
    }

    static func describe(_ service: VirtualService) -> String {
        var text = service.scheduler.rawValue
        if service.flags.contains(.persistent) { text += " persistent \(service.timeout)s" }
        return text + TableText.flagWords(service).replacing(" persistent \(service.timeout)", with: "")
    }

    static func forwarding(_ method: ForwardingMethod) -> String { TableJSON.forwardingName(method) }

    static func differences(_ old: VirtualService, _ new: VirtualService) -> [String] {
        var out: [String] = []
        if old.scheduler != new.scheduler { out.append("scheduler \(old.scheduler.rawValue) -> \(new.scheduler.rawValue)") }
        if old.flags != new.flags {
            out.append("flags 0x\(String(old.flags.rawValue, radix: 16)) -> 0x\(String(new.flags.rawValue, radix: 16))")
        }
        if old.timeout != new.timeout { out.append("timeout \(old.timeout) -> \(new.timeout)") }
        if old.netmask != new.netmask { out.append("netmask \(old.netmask) -> \(new.netmask)") }
        if old.persistenceEngine != new.persistenceEngine {
            out.append("pe \(old.persistenceEngine ?? "none") -> \(new.persistenceEngine ?? "none")")
        }
        return out
    }

    static func differences(_ old: RealServer, _ new: RealServer) -> [String] {
        var out: [String] = []
        if old.weight != new.weight { out.append("weight \(old.weight) -> \(new.weight)") }
        if old.forwarding != new.forwarding { out.append("forwarding \(forwarding(old.forwarding)) -> \(forwarding(new.forwarding))") }
        if old.upperThreshold != new.upperThreshold { out.append("upper threshold \(old.upperThreshold) -> \(new.upperThreshold)") }
        if old.lowerThreshold != new.lowerThreshold { out.append("lower threshold \(old.lowerThreshold) -> \(new.lowerThreshold)") }
        return out
    }

    static func summary(_ report: Reconciler.Report, planning: Reconciler.Planning) -> String {
        var counts: [Change.Kind: Int] = [:]
        for change in report.applied { counts[change.kind, default: 0] += 1 }
        let milliseconds = Int((report.packetFilterDuration / .milliseconds(1)).rounded())
        var text =
            "Applied: \(counts[.add] ?? 0) added, \(counts[.change] ?? 0) changed, \(counts[.drain] ?? 0) draining, "
            + "\(counts[.delete] ?? 0) deleted; \(report.kernelCommands) IPVS commands, \(report.addressCommands) address commands, "
            + "\(report.packetFilterChanges) nftables changes"
            + (report.packetFilterChanges > 0
                ? " in one transaction (\(milliseconds) ms)."
                : ".")
        if !planning.plan.blackholed.isEmpty {
            text += "\nBlackholed: \(planning.plan.blackholed.map { "\($0.service.key)" }.joined(separator: ", "))"
        }
        for failure in report.failures {
            text +=
                "\nFailed: \(PlanText.line(failure.change, origins: [:], interface: "").drop(while: \.isWhitespace)): \(failure.error)"
        }
        return text
    }
}
