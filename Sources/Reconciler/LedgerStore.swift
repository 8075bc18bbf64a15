import IPVSCore

#if canImport(FoundationEssentials)
    import FoundationEssentials
#else
    import Foundation
#endif

#if canImport(Glibc)
    import Glibc
#endif

/// The ledger on disk: JSON in the state directory, replaced atomically (write a temporary file,
/// flush it, rename over the old one), so a crash leaves the old ledger or the new one.
public struct LedgerStore: Sendable {
    public var path: String

    public init(directory: String, name: String = "ledger.json") {
        path = directory.hasSuffix("/") ? directory + name : directory + "/" + name
    }

    public struct Failure: Error, CustomStringConvertible {
        public enum Code: String, Sendable {
            /// The file exists but could not be read.
            case unreadable
            /// Not a ledger: garbage, truncated JSON, an entry that does not parse.
            case corrupt
            /// Written by a newer ipvsctl-swift, in a format this one does not know.
            case newerVersion
            /// The new ledger could not be written (a read-only or full file system).
            case cannotWrite
        }

        public var code: Code
        public var path: String
        public var reason: String
        public var description: String { "ledger \(path): \(reason)" }

        init(_ code: Code, path: String, reason: String) {
            self.code = code
            self.path = path
            self.reason = reason
        }
    }

    /// The saved ledger, or an empty one when there is none yet.
    public func load() throws(Failure) -> Ledger {
        guard FileManager.default.fileExists(atPath: path) else { return Ledger() }
        let data: Data
        do { data = try Data(contentsOf: URL(fileURLWithPath: path)) } catch {
            throw Failure(.unreadable, path: path, reason: "unreadable: \(error)")
        }
        // The version before the rest: a newer format may record what this one would not see,
        // and the next save would drop it (ownership forgotten), so it is refused whole.
        let version: Int
        do { version = try JSONDecoder().decode(LedgerVersion.self, from: data).version } catch {
            throw Failure(.corrupt, path: path, reason: "not a ledger (corrupt or truncated JSON): \(error)")
        }
        guard version <= LedgerDocument.currentVersion else {
            throw Failure(
                .newerVersion, path: path,
                reason: "written in ledger format version \(version) by a newer ipvsctl-swift; this one reads up to version "
                    + "\(LedgerDocument.currentVersion), so it changes nothing rather than lose what that ledger records")
        }
        guard version >= 1 else { throw Failure(.corrupt, path: path, reason: "not a ledger: format version \(version)") }
        do {
            return try JSONDecoder().decode(LedgerDocument.self, from: data).ledger()
        } catch let failure as Failure {
            throw Failure(.corrupt, path: path, reason: failure.reason)
        } catch {
            throw Failure(.corrupt, path: path, reason: "not a ledger (corrupt or truncated JSON): \(error)")
        }
    }

    public func save(_ ledger: Ledger) throws(Failure) {
        let directory = URL(fileURLWithPath: path).deletingLastPathComponent().path
        let temporary = path + ".tmp-\(getpid())"
        func failure(_ what: String) -> Failure {
            Failure(.cannotWrite, path: path, reason: "\(what): \(String(cString: strerror(errno)))")
        }
        let data: Data
        do {
            try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
            data = try encoder.encode(LedgerDocument(ledger))
        } catch {
            throw Failure(.cannotWrite, path: path, reason: "\(error)")
        }
        // Plain POSIX calls, so that a full or read-only file system is named as such.
        let descriptor = open(temporary, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o600)
        guard descriptor >= 0 else { throw failure("cannot write \(temporary)") }
        var written = 0
        while written < data.count {
            let count = data.withUnsafeBytes { write(descriptor, $0.baseAddress! + written, $0.count - written) }
            if count < 0, errno == EINTR { continue }
            guard count > 0 else {
                let error = failure("cannot write \(temporary)")
                close(descriptor)
                unlink(temporary)
                throw error
            }
            written += count
        }
        guard fsync(descriptor) == 0, close(descriptor) == 0 else {
            let error = failure("cannot flush \(temporary)")
            unlink(temporary)
            throw error
        }
        guard rename(temporary, path) == 0 else {
            let error = failure("cannot replace")
            unlink(temporary)
            throw error
        }
    }
}

/// The one field read before the rest.
private struct LedgerVersion: Decodable {
    var version: Int
}

/// The ledger's file format: plain strings, readable by an operator.
struct LedgerDocument: Codable {
    struct DrainEntry: Codable {
        var service: String
        var realServer: String
        var deadline: Int64
        var previousWeight: UInt32
    }

    static let currentVersion = 1

    var version = currentVersion
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
        func fail(_ text: String) -> LedgerStore.Failure { LedgerStore.Failure(.corrupt, path: "", reason: "bad entry '\(text)'") }
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
