import IPVSCore

/// Plan changes to one libnftables JSON document: one buffer is one transaction, so the kernel
/// applies all of it or none.
public enum NftablesCommands {
    /// The transaction for `changes` (the packet-filter ones; others are ignored). Element
    /// changes are grouped per set, deletions before additions.
    public static func transaction(for changes: [Change]) -> JSONValue {
        var commands: [JSONValue] = []
        var deletions: [PacketFilterSetID: [PacketFilterElement]] = [:]
        var additions: [PacketFilterSetID: [PacketFilterElement]] = [:]
        for change in changes {
            switch change {
            case .createPacketFilter:
                commands += creation()
            case .repairPacketFilter:
                commands.append(["delete": ["table": tableObject]])
                commands += creation()
            case .deletePacketFilter:
                commands.append(["delete": ["table": tableObject]])
            case .addFilterElement(let element, let set):
                additions[set, default: []].append(element)
            case .deleteFilterElement(let element, let set):
                deletions[set, default: []].append(element)
            default:
                continue
            }
        }
        for set in deletions.keys.sorted() {
            commands.append(["delete": ["element": elementsObject(set, deletions[set]!)]])
        }
        for set in additions.keys.sorted() {
            commands.append(["add": ["element": elementsObject(set, additions[set]!)]])
        }
        return ["nftables": .array(commands)]
    }

    /// `list table inet ipvsctl_swift`.
    public static let listTable: JSONValue = ["nftables": [["list": ["table": tableObject]]]]

    /// `list tables`: to learn whether ours exists without an error for "no".
    public static let listTables: JSONValue = ["nftables": [["list": ["tables": nil]]]]

    /// The table, its sets, chains and rules.
    static func creation() -> [JSONValue] {
        var commands: [JSONValue] = [["add": ["table": tableObject]]]
        for set in PacketFilterLayout.sets {
            var object: [String: JSONValue] = [
                "family": .string(PacketFilterLayout.family), "table": .string(PacketFilterLayout.table), "name": .string(set.id.name),
                "type": set.types.count == 1 ? .string(set.types[0]) : .array(set.types.map(JSONValue.string)),
            ]
            if set.interval { object["flags"] = ["interval"] }
            commands.append(["add": ["set": .object(object)]])
        }
        for chain in PacketFilterLayout.chains {
            commands.append([
                "add": [
                    "chain": [
                        "family": .string(PacketFilterLayout.family), "table": .string(PacketFilterLayout.table),
                        "name": .string(chain.name),
                        "type": .string(chain.type), "hook": .string(chain.hook), "prio": .number(chain.priority), "policy": "accept",
                    ]
                ]
            ])
            for rule in chain.rules {
                commands.append([
                    "add": [
                        "rule": [
                            "family": .string(PacketFilterLayout.family), "table": .string(PacketFilterLayout.table),
                            "chain": .string(chain.name),
                            "comment": .string(rule.comment), "expr": .array(rule.expressions),
                        ]
                    ]
                ])
            }
        }
        return commands
    }

    static var tableObject: JSONValue {
        ["family": .string(PacketFilterLayout.family), "name": .string(PacketFilterLayout.table)]
    }

    static func elementsObject(_ set: PacketFilterSetID, _ elements: [PacketFilterElement]) -> JSONValue {
        [
            "family": .string(PacketFilterLayout.family), "table": .string(PacketFilterLayout.table), "name": .string(set.name),
            "elem": .array(elements.map(encode)),
        ]
    }

    /// An element as libnftables-json(5) writes it.
    public static func encode(_ element: PacketFilterElement) -> JSONValue {
        switch element {
        case .service(let address, let proto, let port):
            ["concat": [.string("\(address)"), .string(proto.nftName), .number(Int(port))]]
        case .range(let prefix):
            encode(prefix)
        case .serviceSource(let address, let proto, let port, let prefix):
            ["concat": [.string("\(address)"), .string(proto.nftName), .number(Int(port)), encode(prefix)]]
        case .addressPair(let address):
            ["concat": [.string("\(address)"), .string("\(address)")]]
        }
    }

    static func encode(_ prefix: IPPrefix) -> JSONValue {
        ["prefix": ["addr": .string("\(prefix.network)"), "len": .number(Int(prefix.length))]]
    }
}
