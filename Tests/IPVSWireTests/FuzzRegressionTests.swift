import IPVSWire
import Testing

/// Inputs the fuzz harnesses (Fuzz/) found that broke the codec, byte for byte: each must now
/// be refused with a typed error, never trap.
struct FuzzRegressionTests {
    /// FuzzIPVSReplies: an NLMSG_ERROR whose error field is Int32.min (0x80000000), which has no
    /// positive errno; negating it trapped on overflow.
    static let errorFieldInt32Min: [UInt8] = [
        0x25, 0x00, 0x00, 0x00, 0x02, 0x00, 0x02, 0xff, 0xf5, 0xff, 0x00, 0x00, 0xf4, 0x10, 0x00, 0x00,
        0x00, 0x00, 0x00, 0x80, 0x00, 0x00, 0x00, 0x25, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
        0x00, 0x00, 0x00, 0x10, 0x25,
    ]

    @Test("an NLMSG_ERROR with error field Int32.min is malformed, not a trap")
    func errorFieldInt32Min() throws {
        let messages = try NetlinkDatagram.messages(in: Self.errorFieldInt32Min)
        try #require(messages.count == 1)
        let error = #expect(throws: WireDecodingError.self) { try NetlinkDatagram.reply(messages[0]) }
        #expect(error?.code == .invalidValue)
        var conversation = NetlinkConversation(firstSequence: 0xfff5)
        var exchange = conversation.begin(.dump)
        let refusal = #expect(throws: NetlinkConversationError.self) { try exchange.consume(Self.errorFieldInt32Min) }
        #expect(refusal?.code == .malformed)
    }

    @Test("an NLMSG_DONE with error field Int32.min is malformed, not a trap (the same negation)")
    func doneFieldInt32Min() throws {
        // nlmsghdr: len 20, type 3 (NLMSG_DONE), flags MULTI, seq 7, pid 0; then the error field.
        let done: [UInt8] = [
            0x14, 0x00, 0x00, 0x00, 0x03, 0x00, 0x02, 0x00, 0x07, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
            0x00, 0x00, 0x00, 0x80,
        ]
        var conversation = NetlinkConversation(firstSequence: 7)
        var exchange = conversation.begin(.dump)
        let refusal = #expect(throws: NetlinkConversationError.self) { try exchange.consume(done) }
        #expect(refusal?.code == .malformed)
    }
}
