import IPVSCore
import IPVSNetlink

/// The kernel's table as the planner may trust it. IPVS resumes each part of a dump from a
/// position in a hash table every namespace shares, so a change anywhere can make a dump repeat
/// an entry or skip one. A repeat would plan a command twice; a skipped owned service would pass
/// for one someone deleted, and be forgotten while it still exists (or be created again, meet
/// EEXIST and be released). So a dump with a repeat, or without a service the ledger owns, is
/// taken again: an owned service counts as gone only when two dumps in a row lack it.
enum TableRead {
    /// How many dumps in all before giving up on a table that keeps changing.
    static let maximumDumps = 4

    static func confirmed(
        _ first: [ObservedTableEntry], owned: Set<VirtualServiceKey>,
        reread: () throws(IPVSError) -> [ObservedTableEntry]
    ) throws(IPVSError) -> [ObservedTableEntry] {
        var current = first
        var previouslyMissing: Set<VirtualServiceKey>?
        for dump in 1...maximumDumps {
            let keys = current.map(\.virtualService.service.key)
            let unique = Set(keys)
            let repeated = unique.count != keys.count
            let missing = owned.subtracting(unique)
            if !repeated, missing.isEmpty || previouslyMissing.map(missing.isSubset(of:)) == true { return current }
            previouslyMissing = repeated ? nil : missing
            if dump < maximumDumps { current = try reread() }
        }
        throw IPVSError(
            .dumpInterrupted,
            "the IPVS table kept changing while it was read (\(maximumDumps) dumps repeated or skipped entries); nothing was changed")
    }
}
