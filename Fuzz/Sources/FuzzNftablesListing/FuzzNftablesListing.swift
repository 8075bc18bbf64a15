import FuzzSupport
import IPVSCore

@testable import NftablesWire  // decodeElement, to re-read what the encoder writes

/// `nft -j list table` / `list tables` output read back as NftablesClient reads it: JSON bytes
/// to a JSONValue, then our table's elements and structure.
///
/// Properties: a JSONValue encoded and decoded again is the same value; every element decoded
/// from a set, encoded as a transaction writes it, decodes to the same element.
@main
enum FuzzNftablesListing {
    static func main() { runLibFuzzer { data, size in fuzzOne(data, size) } }
}

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzOne(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    guard let listing = try? JSONValue.decode(fuzzInput(data, size)) else { return 0 }
    let again = try? JSONValue.decode(listing.encoded())
    require(again == listing, "JSON value \(listing) re-decodes as \(String(describing: again))")
    _ = NftablesListing.containsOurTable(listing)
    guard let filter = try? NftablesListing.decode(listing) else { return 0 }
    let declarations = Dictionary(uniqueKeysWithValues: PacketFilterLayout.sets.map { ($0.id, $0) })
    for (set, elements) in filter.elements {
        guard let declaration = declarations[set] else {
            require(false, "elements of undeclared set \(set)")
            continue
        }
        for element in elements {
            let encoded = NftablesCommands.encode(element)
            let decoded = try? NftablesListing.decodeElement(encoded, in: declaration)
            require(decoded == element, "element \(element) of \(set) encodes as \(encoded), decodes as \(String(describing: decoded))")
        }
    }
    return 0
}
