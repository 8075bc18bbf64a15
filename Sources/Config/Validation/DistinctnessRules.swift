import IPVSCore

/// Within one service: no address, port or endpoint twice. Each repeat would be the same kernel
/// object declared twice, which the kernel refuses with EEXIST at apply time, far from the file.
enum DistinctnessRules {
    // Closures, not key paths: a key path applied as a function copied each endpoint whole to
    // read its address.
    static func check(_ service: DecodedService) {
        reportRepeats(service.virtualIPs, code: .duplicateAddress, key: { $0.value }, at: { $0.node }) { first in
            "\(first.value) is already a virtual IP of this service (\(first.node.path), \(first.node.position))"
        }
        reportRepeats(service.ports, code: .duplicatePort, key: { $0.key }, at: { $0.port.node }) { first in
            "port \(first.port.value)/\(first.protocol.name) is already declared (\(first.node.path), \(first.node.position))"
        }
        reportRepeats(service.ports.compactMap(\.name), code: .duplicateName, key: { $0.value }, at: { $0.node }) { first in
            "port name '\(first.value)' is already used (\(first.node.position))"
        }
        reportRepeats(service.endpoints, keys: service.endpointAddresses, code: .duplicateEndpoint, at: { $0.addressNode }) { first in
            "endpoint \(first.spec.address) is already listed (\(first.addressNode.position)); both would be the same real server"
        }
    }

    /// Reports every item whose key an earlier item already has, at the later item, naming the
    /// earlier one.
    static func reportRepeats<Item, Key: Hashable>(
        _ items: [Item], code: ConfigProblem.Code, key: (Item) -> Key, at place: (Item) -> ConfigNode,
        message: (Item) -> String
    ) {
        // The keys once, apart from the items: a key is a small value, an item (an endpoint) is
        // not, and comparing items pairwise copied them.
        reportRepeats(items, keys: items.map(key), code: code, at: place, message: message)
    }

    /// ``reportRepeats(_:code:key:at:message:)`` with each item's key already read.
    static func reportRepeats<Item, Key: Hashable>(
        _ items: [Item], keys: [Key], code: ConfigProblem.Code, at place: (Item) -> ConfigNode, message: (Item) -> String
    ) {
        // A service's lists are short: compared pairwise they cost no dictionary (its
        // allocation and hashing were most of these rules' time at 10,000 services).
        if keys.count <= 16 {
            for later in keys.indices.dropFirst() {
                if let earlier = keys[..<later].firstIndex(of: keys[later]) {
                    place(items[later]).report(code, message(items[earlier]))
                }
            }
            return
        }
        var first: [Key: Int] = [:]
        first.reserveCapacity(keys.count)
        for (position, key) in keys.enumerated() {
            if let earlier = first[key] {
                place(items[position]).report(code, message(items[earlier]))
            } else {
                first[key] = position
            }
        }
    }
}

/// What makes a port distinct within a service (and a node port within the fleet).
struct PortKey: Hashable {
    var port: UInt16
    var `protocol`: TransportProtocol
}

extension DecodedPort {
    var key: PortKey { PortKey(port: port.value, protocol: `protocol`) }
}
