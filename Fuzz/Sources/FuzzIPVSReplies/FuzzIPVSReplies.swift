import FuzzSupport
import IPVSCore
import IPVSWire

/// One received generic-netlink datagram, read the way IPVSClient reads a dump or a reply: split
/// into messages, each classified, each data message decoded as every kind of IPVS reply.
///
/// Properties: a decoded virtual service or real server, encoded again as a NEW_SERVICE or
/// NEW_DEST request, decodes to the same value (the codec's round trip); splitting never
/// returns a payload outside the datagram.
@main
enum FuzzIPVSReplies {
    static func main() { runLibFuzzer { data, size in fuzzOne(data, size) } }
}

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzOne(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    let datagram = fuzzInput(data, size)
    guard let messages = try? NetlinkDatagram.messages(in: datagram) else { return 0 }
    for message in messages {
        require(
            message.payload.startIndex >= datagram.startIndex && message.payload.endIndex <= datagram.endIndex,
            "payload \(message.payload.indices) outside the datagram of \(datagram.count) bytes")
        guard case .data(let data)? = try? NetlinkDatagram.reply(message) else { continue }
        if let observed = try? IPVSReplyDecoder.virtualService(from: data) {
            let again = roundTrip(.newService(observed.service)) { message throws(WireDecodingError) in
                try IPVSReplyDecoder.virtualService(from: message).service
            }
            require(again == observed.service, "service \(observed.service) re-decodes as \(String(describing: again))")
        }
        for family in [AddressFamily.inet, .inet6] {
            guard let observed = try? IPVSReplyDecoder.realServer(from: data, serviceFamily: family) else { continue }
            let key = VirtualServiceKey.firewallMark(1, family: family)
            let again = roundTrip(.newRealServer(observed.server, service: key)) { message throws(WireDecodingError) in
                try IPVSReplyDecoder.realServer(from: message, serviceFamily: family).server
            }
            require(again == observed.server, "real server \(observed.server) re-decodes as \(String(describing: again))")
        }
        _ = try? IPVSReplyDecoder.syncDaemon(from: data)
        _ = try? IPVSReplyDecoder.info(from: data)
        _ = try? IPVSReplyDecoder.timeouts(from: data)
    }
    // The same datagram through the request/reply bookkeeping of a dump and of a batch.
    var conversation = NetlinkConversation(firstSequence: 1)
    var dump = conversation.begin(.dump)
    _ = try? dump.consume(datagram)
    var batch = conversation.begin(.batch(count: 3))
    _ = try? batch.consume(datagram, truncated: size % 2 == 1)
    return 0
}

/// `request` encoded as one message, decoded again by `decode`; nil if it does not decode.
private func roundTrip<Value>(_ request: IPVSRequest, _ decode: (NetlinkMessage) throws(WireDecodingError) -> Value) -> Value? {
    var writer = NetlinkMessageWriter()
    request.encode(into: &writer, family: 0x20, sequence: 7, acknowledge: true)
    guard let messages = try? NetlinkDatagram.messages(in: writer.bytes), messages.count == 1 else {
        require(false, "\(request) does not encode as one message")
        return nil
    }
    return try? decode(messages[0])
}
