import IPVSCore
import IPVSNetlink
import Logging
import NftablesWire

/// Our table `inet ipvsctl_swift` in the kernel of one network namespace (nil: the process's
/// own), read and changed through libnftables. Nothing outside that table is ever named in a
/// command, so another tool's ruleset is never touched.
///
/// Each call makes its own libnftables context on the calling thread (inside the namespace):
/// blocking, so callers keep it off the cooperative pool, as they do for IPVS.
public struct NftablesClient: Sendable {
    public var namespace: NetworkNamespace?
    let logger: Logger

    public init(namespace: NetworkNamespace? = nil, logger: Logger = Logger(label: "ipvsctl.nftables")) {
        self.namespace = namespace
        self.logger = logger
    }

    /// Our table as it is, or nil when there is none.
    public func read() throws(NftablesError) -> ObservedPacketFilter? {
        try inNamespace { () throws(NftablesError) -> ObservedPacketFilter? in
            let context = try NftablesContext()
            let tables = context.run(NftablesCommands.listTables)
            guard tables.ok else { throw NftablesError(.unavailable, "cannot list the nftables tables", detail: tables.error) }
            guard NftablesListing.containsOurTable(try Self.parse(tables.output)) else { return nil }
            let listing = context.run(NftablesCommands.listTable)
            guard listing.ok else { throw NftablesError(.unavailable, "cannot list our nftables table", detail: listing.error) }
            let parsed = try Self.parse(listing.output)
            do throws(NftablesListing.Malformed) {
                return try NftablesListing.decode(parsed)
            } catch {
                throw NftablesError(.malformedListing, "cannot read our nftables table", detail: error.description)
            }
        }
    }

    /// Applies the packet-filter changes of a plan in one transaction: all of them or, when the
    /// kernel refuses any, none. `dryRun` has the kernel check it without applying it.
    public func apply(_ changes: [Change], dryRun: Bool = false) throws(NftablesError) {
        let transaction = NftablesCommands.transaction(for: changes)
        guard let commands = transaction["nftables"]?.array, !commands.isEmpty else { return }
        try inNamespace { () throws(NftablesError) in
            let context = try NftablesContext()
            let result = context.run(transaction, dryRun: dryRun)
            guard result.ok else {
                throw NftablesError(
                    .transactionRefused,
                    dryRun
                        ? "the kernel would refuse the nftables transaction"
                        : "the kernel refused the nftables transaction; none of it was applied",
                    detail: result.error)
            }
        }
        logger.debug("nftables transaction applied", metadata: ["commands": "\(commands.count)", "dryRun": "\(dryRun)"])
    }

    private static func parse(_ output: String) throws(NftablesError) -> JSONValue {
        do { return try JSONValue.decode(Array(output.utf8)) } catch {
            throw NftablesError(.malformedListing, "libnftables answered with text that is not JSON", detail: "\(error)")
        }
    }

    private func inNamespace<T>(_ body: () throws(NftablesError) -> T) throws(NftablesError) -> T {
        guard let namespace else { return try body() }
        let result: Result<T, NftablesError>
        do {
            result = try namespace.perform { () -> Result<T, NftablesError> in
                do throws(NftablesError) { return .success(try body()) } catch { return .failure(error) }
            }
        } catch {
            throw NftablesError(.namespaceUnavailable, "cannot enter network namespace \(namespace.path)", detail: error.description)
        }
        return try result.get()
    }
}
