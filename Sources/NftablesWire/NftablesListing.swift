import IPVSCore

/// Reads libnftables' JSON listings back into what the planner compares: our table's elements
/// and whether its structure is still the one ``PacketFilterLayout`` makes.
public enum NftablesListing {
    public struct Malformed: Error, CustomStringConvertible, Sendable {
        public var reason: String
        public var description: String { "unreadable nftables listing: \(reason)" }
    }

    /// Whether a `list tables` answer names our table.
    public static func containsOurTable(_ listing: JSONValue) -> Bool {
        (listing["nftables"]?.array ?? []).contains { item in
            guard let table = item["table"] else { return false }
            return table["family"]?.string == PacketFilterLayout.family && table["name"]?.string == PacketFilterLayout.table
        }
    }

    /// Our table from a `list table` answer.
    public static func decode(_ listing: JSONValue) throws(Malformed) -> ObservedPacketFilter {
        guard let items = listing["nftables"]?.array else { throw Malformed(reason: "no \"nftables\" array") }
        var drift: [String] = []
        var elements: [PacketFilterSetID: Set<PacketFilterElement>] = [:]
        let declarations = Dictionary(uniqueKeysWithValues: PacketFilterLayout.sets.map { ($0.id.name, $0) })
        var seenSets: Set<String> = []
        var chains: [String: JSONValue] = [:]
        var rules: [String: [String]] = [:]

        for item in items {
            if let set = item["set"] {
                guard let name = set["name"]?.string else { throw Malformed(reason: "a set without a name") }
                guard let declaration = declarations[name] else {
                    drift.append("unexpected set \(name)")
                    continue
                }
                seenSets.insert(name)
                let types = set["type"]?.array?.compactMap(\.string) ?? set["type"]?.string.map { [$0] } ?? []
                let interval = set["flags"]?.array?.contains(.string("interval")) ?? false
                guard types == declaration.types, interval == declaration.interval else {
                    drift.append("set \(name) has another type")
                    continue
                }
                var decoded: Set<PacketFilterElement> = []
                for element in set["elem"]?.array ?? [] {
                    decoded.insert(try decodeElement(element, in: declaration))
                }
                if !decoded.isEmpty { elements[declaration.id] = decoded }
            } else if let chain = item["chain"], let name = chain["name"]?.string {
                chains[name] = chain
            } else if let rule = item["rule"], let chain = rule["chain"]?.string {
                rules[chain, default: []].append(rule["comment"]?.string ?? "")
            }
        }

        for name in declarations.keys.sorted() where !seenSets.contains(name) { drift.append("set \(name) is missing") }
        let expectedChains = PacketFilterLayout.chains
        for chain in expectedChains {
            guard let have = chains[chain.name] else {
                drift.append("chain \(chain.name) is missing")
                continue
            }
            if have["type"]?.string != chain.type || have["hook"]?.string != chain.hook || have["prio"]?.number != chain.priority
                || have["policy"]?.string != "accept"
            {
                drift.append("chain \(chain.name) has another hook, priority or policy")
            }
            if rules[chain.name] ?? [] != chain.rules.map(\.comment) {
                drift.append("chain \(chain.name) holds other rules")
            }
        }
        for name in chains.keys.sorted() where !expectedChains.contains(where: { $0.name == name }) {
            drift.append("unexpected chain \(name)")
        }
        return ObservedPacketFilter(structureDrift: drift.isEmpty ? nil : drift.joined(separator: "; "), elements: elements)
    }

    static func decodeElement(
        _ value: JSONValue, in declaration: PacketFilterLayout.SetDeclaration
    ) throws(Malformed) -> PacketFilterElement {
        // An element with a timeout or comment comes wrapped: {"elem": {"val": ...}}.
        let value = value["elem"]?["val"] ?? value
        let parts = value["concat"]?.array ?? [value]
        let family = declaration.id.family
        func address(_ part: JSONValue) throws(Malformed) -> IPAddress {
            guard let text = part.string, let address = IPAddress(text), address.family == family else {
                throw Malformed(reason: "set \(declaration.id.name): '\(part)' is not an \(family) address")
            }
            return address
        }
        func proto(_ part: JSONValue) throws(Malformed) -> TransportProtocol {
            if let name = part.string, let proto = TransportProtocol.allCases.first(where: { $0.nftName == name }) { return proto }
            if let number = part.number, let proto = TransportProtocol(rawValue: UInt16(clamping: number)) { return proto }
            throw Malformed(reason: "set \(declaration.id.name): '\(part)' is not a protocol we use")
        }
        func port(_ part: JSONValue) throws(Malformed) -> UInt16 {
            guard let number = part.number, let port = UInt16(exactly: number) else {
                throw Malformed(reason: "set \(declaration.id.name): '\(part)' is not a port")
            }
            return port
        }
        func range(_ part: JSONValue) throws(Malformed) -> IPPrefix {
            if let prefix = part["prefix"], let length = prefix["len"]?.number, let base = prefix["addr"],
                let range = IPPrefix(network: try address(base), length: UInt8(clamping: length))
            {
                return range
            }
            return IPPrefix(host: try address(part))
        }
        guard parts.count == declaration.types.count else {
            throw Malformed(reason: "set \(declaration.id.name): an element of \(parts.count) parts")
        }
        switch declaration.id.set {
        case .externalCluster, .clusterIPs, .guardedLoadBalancers:
            return .service(try address(parts[0]), try proto(parts[1]), try port(parts[2]))
        case .localSources:
            return .range(try range(parts[0]))
        case .hairpin:
            let source = try address(parts[0])
            guard try address(parts[1]) == source else { throw Malformed(reason: "set \(declaration.id.name): a pair of two addresses") }
            return .addressPair(source)
        case .allowedSources:
            return .serviceSource(try address(parts[0]), try proto(parts[1]), try port(parts[2]), try range(parts[3]))
        }
    }
}
