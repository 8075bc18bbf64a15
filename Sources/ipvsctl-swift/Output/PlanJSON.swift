import IPVSCore
import Reconciler

#if canImport(FoundationEssentials)
    import FoundationEssentials
#else
    import Foundation
#endif

/// The plan as JSON: one object per change with its kind and the fields concerned.
enum PlanJSON {
    struct Document: Encodable {
        var node: String
        var changes: [ChangeJSON]
        var summary: [String: Int]
        var blackholed: [OriginJSON]
        var fallbacks: [OriginJSON]
        var foreign: [String]
        var refused: [String]
    }

    struct ChangeJSON: Encodable {
        var kind: String
        var action: String
        var object: String
        var details: [String]
    }

    struct OriginJSON: Encodable {
        var virtualService: String
        var service: String
        var scope: String
        var policy: String
    }

    static func render(_ planning: Reconciler.Planning, node: String) throws -> String {
        let plan = planning.plan
        let document = Document(
            node: node,
            changes: plan.changes.map(change),
            summary: Dictionary(uniqueKeysWithValues: Change.Kind.allCases.map { ($0.rawValue, plan.count($0)) }),
            blackholed: plan.blackholed.map(origin),
            fallbacks: plan.fallbacks.map(origin),
            foreign: plan.foreign.map { "\($0.service.key)" } + plan.foreignAddresses.map { "address \($0)" },
            refused: planning.violations.map(\.description))
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        return String(decoding: try encoder.encode(document), as: UTF8.self)
    }

    static func origin(_ entry: DesiredVirtualService) -> OriginJSON {
        OriginJSON(
            virtualService: "\(entry.service.key)", service: entry.origin.serviceName,
            scope: entry.origin.scope.rawValue, policy: entry.origin.policy.rawValue)
    }

    static func change(_ change: Change) -> ChangeJSON {
        switch change {
        case .createVirtualService(let service):
            ChangeJSON(
                kind: "add", action: "createVirtualService", object: "\(service.key)", details: ["scheduler \(service.scheduler.rawValue)"])
        case .updateVirtualService(let old, let new):
            ChangeJSON(kind: "change", action: "updateVirtualService", object: "\(new.key)", details: PlanText.differences(old, new))
        case .deleteVirtualService(let service, let reals):
            ChangeJSON(
                kind: "delete", action: "deleteVirtualService", object: "\(service.key)",
                details: reals.map { "\($0.server.key) active \($0.activeConnections) inactive \($0.inactiveConnections)" })
        case .createRealServer(let server, let key):
            ChangeJSON(kind: "add", action: "createRealServer", object: "\(key) -> \(server.key)", details: ["weight \(server.weight)"])
        case .updateRealServer(let old, let new, let key):
            ChangeJSON(kind: "change", action: "updateRealServer", object: "\(key) -> \(new.key)", details: PlanText.differences(old, new))
        case .drainRealServer(let observed, let key, let deadline):
            ChangeJSON(
                kind: "drain", action: "drainRealServer", object: "\(key) -> \(observed.server.key)",
                details: ["active \(observed.activeConnections)", "inactive \(observed.inactiveConnections)", "deadline \(deadline)"])
        case .deleteRealServer(let observed, let key):
            ChangeJSON(
                kind: "delete", action: "deleteRealServer", object: "\(key) -> \(observed.server.key)",
                details: ["active \(observed.activeConnections)", "inactive \(observed.inactiveConnections)"])
        case .addAddress(let address):
            ChangeJSON(kind: "add", action: "addAddress", object: "\(address)", details: [])
        case .removeAddress(let address):
            ChangeJSON(kind: "delete", action: "removeAddress", object: "\(address)", details: [])
        case .setSysctl(let name, let old, let new):
            ChangeJSON(kind: "change", action: "setSysctl", object: name.name, details: ["\(old) -> \(new)"])
        case .setTimeouts(let old, let new):
            ChangeJSON(
                kind: "change", action: "setTimeouts", object: "timeouts",
                details: ["tcp \(old.tcp) -> \(new.tcp)", "tcpFin \(old.tcpFin) -> \(new.tcpFin)", "udp \(old.udp) -> \(new.udp)"])
        case .createPacketFilter:
            ChangeJSON(kind: "add", action: "createPacketFilter", object: "inet \(PacketFilterSet.tableName)", details: [])
        case .repairPacketFilter(let reason):
            ChangeJSON(kind: "change", action: "repairPacketFilter", object: "inet \(PacketFilterSet.tableName)", details: [reason])
        case .deletePacketFilter:
            ChangeJSON(kind: "delete", action: "deletePacketFilter", object: "inet \(PacketFilterSet.tableName)", details: [])
        case .addFilterElement(let element, let set):
            ChangeJSON(kind: "add", action: "addFilterElement", object: set.name, details: ["\(element)"])
        case .deleteFilterElement(let element, let set):
            ChangeJSON(kind: "delete", action: "deleteFilterElement", object: set.name, details: ["\(element)"])
        }
    }
}
