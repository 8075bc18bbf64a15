import Foundation
import IPVSCore

/// The ledger on disk: JSON in the state directory, replaced atomically (write a temporary file,
/// flush it, rename over the old one), so a crash leaves the old ledger or the new one.
public struct LedgerStore: Sendable {
    public var path: String

    public init(directory: String, name: String = "ledger.json") {
        path = directory.hasSuffix("/") ? directory + name : directory + "/" + name
    }

    public struct Failure: Error, CustomStringConvertible {
        public var path: String
        public var reason: String
        public var description: String { "ledger \(path): \(reason)" }
    }

    /// The saved ledger, or an empty one when there is none yet.
    public func load() throws(Failure) -> Ledger {
        guard FileManager.default.fileExists(atPath: path) else { return Ledger() }
        do {
            let data = try Data(contentsOf: URL(fileURLWithPath: path))
            return try JSONDecoder().decode(LedgerDocument.self, from: data).ledger()
        } catch let failure as Failure {
            throw failure
        } catch {
            throw Failure(path: path, reason: "unreadable: \(error)")
        }
    }

    public func save(_ ledger: Ledger) throws(Failure) {
        let directory = (path as NSString).deletingLastPathComponent
        let temporary = path + ".tmp-\(getpid())"
        do {
            try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
            let data = try encoder.encode(LedgerDocument(ledger))
            guard FileManager.default.createFile(atPath: temporary, contents: data) else {
                throw Failure(path: path, reason: "cannot write \(temporary)")
            }
            let handle = try FileHandle(forWritingTo: URL(fileURLWithPath: temporary))
            try handle.synchronize()
            try handle.close()
            guard rename(temporary, path) == 0 else {
                throw Failure(path: path, reason: "cannot replace: \(String(cString: strerror(errno)))")
            }
        } catch let failure as Failure {
            try? FileManager.default.removeItem(atPath: temporary)
            throw failure
        } catch {
            try? FileManager.default.removeItem(atPath: temporary)
            throw Failure(path: path, reason: "\(error)")
        }
    }
}

/// The ledger's file format: plain strings, readable by an operator.
struct LedgerDocument: Codable {
    struct DrainEntry: Codable {
        var service: String
        var realServer: String
        var deadline: Int64
        var previousWeight: UInt32
    }

    var version = 1
    var virtualServices: [String]
    var addresses: [String]
    var drains: [DrainEntry]
    /// Our nftables table is ours; absent in ledgers written before there was one.
    var packetFilter: Bool?

    init(_ ledger: Ledger) {
        packetFilter = ledger.packetFilter ? true : nil
        virtualServices = ledger.virtualServices.sorted().map(ServiceKeyText.format)
        addresses = ledger.addresses.sorted().map(\.description)
        drains = ledger.drains.sorted { $0.key < $1.key }.map {
            DrainEntry(
                service: ServiceKeyText.format($0.key.service), realServer: $0.key.realServer.description,
                deadline: $0.value.deadline, previousWeight: $0.value.previousWeight)
        }
    }

    func ledger() throws -> Ledger {
        func fail(_ text: String) -> LedgerStore.Failure { LedgerStore.Failure(path: "", reason: "bad entry '\(text)'") }
        var ledger = Ledger(packetFilter: packetFilter ?? false)
        for text in virtualServices {
            guard let key = ServiceKeyText.parse(text) else { throw fail(text) }
            ledger.virtualServices.insert(key)
        }
        for text in addresses {
            guard let address = IPAddress(text) else { throw fail(text) }
            ledger.addresses.insert(address)
        }
        for drain in drains {
            guard let service = ServiceKeyText.parse(drain.service), let real = ServiceKeyText.parseEndpoint(drain.realServer) else {
                throw fail(drain.service + " " + drain.realServer)
            }
            ledger.drains[DrainKey(service: service, realServer: real)] = Drain(
                deadline: drain.deadline, previousWeight: drain.previousWeight)
        }
        return ledger
    }
}

/// `TCP 192.0.2.1:80`, `UDP [2001:db8::1]:53`, `FWM 7`, `FWM 7 IPv6` back and forth.
enum ServiceKeyText {
    static func format(_ key: VirtualServiceKey) -> String { key.description }

    static func parse(_ text: String) -> VirtualServiceKey? {
        let parts = text.split(separator: " ")
        guard parts.count >= 2 else { return nil }
        if parts[0] == "FWM" {
            guard let mark = UInt32(parts[1]) else { return nil }
            return .firewallMark(mark, family: parts.count > 2 && parts[2] == "IPv6" ? .inet6 : .inet)
        }
        guard let proto = TransportProtocol.allCases.first(where: { $0.name == parts[0] }),
            let endpoint = parseEndpoint(String(parts[1]))
        else { return nil }
        return .address(endpoint.address, port: endpoint.port, protocol: proto)
    }

    static func parseEndpoint(_ text: String) -> RealServerKey? {
        guard let colon = text.lastIndex(of: ":"), let port = UInt16(text[text.index(after: colon)...]) else { return nil }
        var host = text[..<colon]
        if host.hasPrefix("["), host.hasSuffix("]") { host = host.dropFirst().dropLast() }
        guard let address = IPAddress(host) else { return nil }
        return RealServerKey(address: address, port: port)
    }
}
