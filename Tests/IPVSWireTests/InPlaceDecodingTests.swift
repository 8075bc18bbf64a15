import IPVSCore
import IPVSWire
import Testing

/// Decoding where the bytes lie: the socket layer receives each datagram into one buffer it keeps
/// and hands the conversation a view of it, so the captured kernel datagrams
/// (Fixtures/KernelCaptures.swift) are placed inside a larger buffer here, after other bytes and
/// before stale ones, and must read exactly as they do on their own.
struct InPlaceDecodingTests {
    /// `datagram` inside a 64 KiB buffer at `offset`, the rest filled with bytes that would
    /// decode as garbage; the view covers the datagram only.
    static func placed(_ datagram: [UInt8], at offset: Int) -> ArraySlice<UInt8> {
        var buffer = [UInt8](repeating: 0xA5, count: 64 * 1024)
        buffer.replaceSubrange(offset..<(offset + datagram.count), with: datagram)
        return buffer[offset..<(offset + datagram.count)]
    }

    static func beginning(at sequence: UInt32, _ kind: NetlinkConversation.Exchange.Kind) -> NetlinkConversation.Exchange {
        var conversation = NetlinkConversation(firstSequence: sequence, portID: NetlinkConversationTests.portID)
        return conversation.begin(kind)
    }

    @Test("a service dump across two datagrams reads the same from views of a larger buffer", arguments: [0, 4, 1000])
    func serviceDumpInPlace(offset: Int) throws {
        var fromArrays = Self.beginning(at: 16, .dump)
        var fromViews = Self.beginning(at: 16, .dump)
        var expected: [ObservedVirtualService] = []
        var decoded: [ObservedVirtualService] = []
        for datagram in KernelCaptures.dumpServices.received {
            expected += try fromArrays.consume(datagram).map { try IPVSReplyDecoder.virtualService(from: $0) }
            decoded += try fromViews.consume(Self.placed(datagram, at: offset)).map { try IPVSReplyDecoder.virtualService(from: $0) }
        }
        #expect(fromViews.isFinished)
        #expect(decoded.count == 5)
        #expect(decoded == expected)
        #expect(decoded.map(\.service.key).contains(KernelFixtureTests.mark))
    }

    @Test("a real-server dump reads the same from a view, counters included", arguments: [0, 12])
    func realServerDumpInPlace(offset: Int) throws {
        var exchange = Self.beginning(at: 17, .dump)
        var servers: [ObservedRealServer] = []
        for datagram in KernelCaptures.dumpRealServers.received {
            servers += try exchange.consume(Self.placed(datagram, at: offset)).map {
                try IPVSReplyDecoder.realServer(from: $0, serviceFamily: .inet)
            }
        }
        #expect(exchange.isFinished)
        var expected = KernelFixtureTests.masquerade
        expected.weight = 0  // the capture's dump follows SET_DEST to weight 0
        #expect(servers.map(\.server) == [expected])
    }

    @Test("a view the socket reports cut fails the conversation; one cut inside a message is malformed")
    func cutViews() {
        let datagram = KernelCaptures.dumpServices.received[0]
        var truncated = Self.beginning(at: 16, .dump)
        let cut = #expect(throws: NetlinkConversationError.self) {
            _ = try truncated.consume(Self.placed(Array(datagram.prefix(4096)), at: 8), truncated: true)
        }
        #expect(cut?.code == .truncated)
        var short = Self.beginning(at: 16, .dump)
        let malformed = #expect(throws: NetlinkConversationError.self) {
            _ = try short.consume(Self.placed(Array(datagram.prefix(100)), at: 8))
        }
        #expect(malformed?.code == .malformed)
        #expect(malformed?.cause?.code == .truncated)
    }

    /// Every attribute block of every data message the captures hold: the top level and each
    /// nest, recursively. IPVS does not flag its nests (`NLA_F_NESTED`), so every value that
    /// reads as attributes is taken as a block: a lookup must agree with a walk on any block.
    static func blocks() throws -> [AttributeSequence] {
        let captures = KernelFixtureTests.reads.map { $0.0 }
        var blocks: [AttributeSequence] = []
        func collect(_ block: AttributeSequence, depth: Int) throws {
            blocks.append(block)
            guard depth < 3 else { return }
            for attribute in block where attribute.value.count >= 8 {
                if let nested = try? attribute.nested() { try collect(nested, depth: depth + 1) }
            }
        }
        for capture in captures {
            for datagram in capture.received {
                for message in try NetlinkDatagram.messages(in: datagram) where message.header.type == KernelCaptures.family {
                    try collect(AttributeSequence(message.payload.dropFirst(4), context: "test"), depth: 0)
                }
            }
        }
        return blocks
    }

    @Test("looking an attribute up by type answers what walking the block answers, for every captured block")
    func lookupMatchesWalk() throws {
        let blocks = try Self.blocks()
        #expect(blocks.count > 20)
        for block in blocks {
            for type in UInt16(0)..<40 {
                let walked = block.reduce(nil as Attribute?) { $1.type == type ? $1 : $0 }
                let looked = block[type]
                #expect(looked?.type == walked?.type)
                #expect(looked.map { Array($0.value) } == walked.map { Array($0.value) }, "type \(type)")
                #expect(looked?.isNested == walked?.isNested)
            }
        }
    }

    @Test("an integer read where it lies answers what the attribute answers, for every captured block and width")
    func integerReadsMatchAttributes() throws {
        for block in try Self.blocks() {
            for type in UInt16(0)..<40 {
                let attribute = block[type]
                #expect(try block.integer(type, as: UInt8.self) == attribute.flatMap { try? $0.u8() }, "type \(type)")
                if let attribute, attribute.value.count >= 2 {
                    #expect(try block.integer(type, as: UInt16.self) == attribute.u16())
                }
                if let attribute, attribute.value.count >= 4 {
                    #expect(try block.integer(type, as: UInt32.self) == attribute.u32())
                }
                if let attribute, attribute.value.count >= 8 {
                    #expect(try block.integer(type, as: UInt64.self) == attribute.u64())
                }
            }
        }
    }

    @Test("an integer read: the last of a repeated type, a type past the index, nil when absent, refused when short")
    func integerReads() throws {
        let block =
            Self.attribute(3, [1, 0, 0, 0]) + Self.attribute(40, [7, 1]) + Self.attribute(3, [2, 1, 0, 0])
            + Self.attribute(6, [5, 0]) + Self.attribute(40, [8, 2])
        let attributes = try AttributeSequence(Self.placed(block, at: 20), context: "test")
        #expect(try attributes.integer(3, as: UInt32.self) == 0x0102)
        #expect(try attributes.integer(40, as: UInt16.self) == 0x0208)
        #expect(try attributes.integer(4, as: UInt32.self) == nil)
        #expect(try attributes.integer(41, as: UInt8.self) == nil)
        let short = #expect(throws: WireDecodingError.self) { try attributes.integer(6, as: UInt32.self) }
        #expect(short?.code == .truncated)
        #expect(short?.message == "attribute 6 has 2 bytes, needs 4")
        #expect(short?.context == "test")
    }

    /// One attribute: length, type, value, padding to 4.
    static func attribute(_ type: UInt16, _ value: [UInt8]) -> [UInt8] {
        let length = UInt16(4 + value.count)
        var bytes = [UInt8(length & 0xFF), UInt8(length >> 8), UInt8(type & 0xFF), UInt8(type >> 8)] + value
        while bytes.count % 4 != 0 { bytes.append(0) }
        return bytes
    }

    @Test("a repeated type reads as its last; types past the index and nested flags are found too")
    func repeatedAndLargeTypes() throws {
        let block =
            Self.attribute(3, [1, 0, 0, 0]) + Self.attribute(40, [7]) + Self.attribute(3, [2, 0, 0, 0])
            + Self.attribute(0x8000 | 5, Self.attribute(1, [9, 9])) + Self.attribute(40, [8]) + [0, 0]
        let attributes = try AttributeSequence(Self.placed(block, at: 20), context: "test")
        #expect(try attributes[3]?.u32() == 2)
        #expect(try attributes[40]?.u8() == 8)
        #expect(attributes[5]?.isNested == true)
        #expect(try attributes[5]?.nested()[1].map { Array($0.value) } == [9, 9])
        #expect(attributes[4] == nil)
        #expect(attributes[41] == nil)
        #expect(attributes.map(\.type) == [3, 40, 3, 5, 40])
    }

    @Test("an attribute running past its block is refused, in a view as in an array")
    func attributePastItsBlock() {
        let block = Self.attribute(3, [1, 0, 0, 0]) + [12, 0, 4, 0, 0, 0]
        let error = #expect(throws: WireDecodingError.self) { try AttributeSequence(Self.placed(block, at: 3), context: "test") }
        #expect(error?.code == .truncated)
        #expect(error?.offset == 8)
    }
}
