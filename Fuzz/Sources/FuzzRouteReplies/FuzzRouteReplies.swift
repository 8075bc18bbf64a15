import FuzzSupport
import IPVSCore
import IPVSWire

@testable import IPVSNetlink  // AddressMessages: the rtnetlink address codec is internal

#if canImport(Glibc)
    import Glibc
#endif

/// One datagram of an rtnetlink `RTM_GETADDR` dump, read as InterfaceAddressClient reads it:
/// through the dump's bookkeeping (sequence numbers, `NLMSG_DONE`, errors), then each
/// `RTM_NEWADDR` message decoded.
///
/// Property: an address decoded from a dump, written back as the add request libnl builds for
/// it, decodes to the same address on the same interface, with a host prefix.
@main
enum FuzzRouteReplies {
    static func main() { runLibFuzzer { data, size in fuzzOne(data, size) } }
}

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzOne(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    let datagram = fuzzInput(data, size)
    var conversation = NetlinkConversation(firstSequence: 1, portID: size % 3 == 0 ? nil : 4242)
    var exchange = conversation.begin(.dump)
    guard let messages = try? exchange.consume(datagram, truncated: size % 5 == 4) else { return 0 }
    for message in messages where message.header.type == AddressMessages.newAddress {
        guard let entry = try? AddressMessages.dumped(message) else { continue }
        var request: [UInt8] = []
        guard
            (try? AddressMessages.append(
                .add, entry.address, interfaceIndex: entry.interfaceIndex,
                sequence: 9, to: &request)) != nil
        else {
            require(false, "libnl cannot build an add request for \(entry.address)")
            continue
        }
        let written = try? NetlinkDatagram.messages(in: request)
        require(written?.count == 1, "the add request for \(entry.address) is not one message")
        let again = written.flatMap { try? AddressMessages.dumped($0[0]) }
        require(
            again?.address == entry.address && again?.interfaceIndex == entry.interfaceIndex,
            "\(entry.address) on \(entry.interfaceIndex) re-decodes as \(String(describing: again))")
        require(
            again?.prefixLength == (entry.address.family == .inet ? 32 : 128),
            "the add request for \(entry.address) has prefix \(String(describing: again?.prefixLength))")
    }
    return 0
}
