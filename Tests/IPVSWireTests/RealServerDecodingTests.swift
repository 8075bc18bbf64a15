import IPVSCore
import IPVSWire
import Testing

/// The real-server decoder reads each destination nest in one pass (the kernel captures cover a
/// current kernel's reply); these cover what the captures do not: the 32-bit statistics nest that
/// kernels before 4.1 send alone, the 64-bit one winning when both are there, a repeated
/// attribute, and a counter too short for its type.
struct RealServerDecodingTests {
    typealias Attributes = (inout NetlinkMessageWriter) -> Void

    /// A destination dump entry: `IPVS_CMD_ATTR_DEST` holding `attributes` after the ones every
    /// entry needs (the port left out when `port` is false).
    static func reply(port: Bool = true, _ attributes: Attributes = { _ in }) throws -> NetlinkMessage {
        var writer = NetlinkMessageWriter()
        writer.beginMessage(
            type: 0x23, flags: .multi, sequence: 7,
            genericHeader: GenericNetlinkHeader(command: IPVSCommand.newDestination.rawValue, version: 1))
        writer.beginNest(CommandAttribute.destination)
        writer.attribute(DestinationAttribute.address, value: (UInt64(UInt32(0xCB00_7101).bigEndian), UInt64(0)))
        if port { writer.attribute(DestinationAttribute.port, bigEndian: 8080) }
        writer.attribute(DestinationAttribute.forwardingMethod, UInt32(0))
        writer.attribute(DestinationAttribute.weight, UInt32(3))
        attributes(&writer)
        writer.endNest()
        writer.endMessage()
        return try #require(NetlinkDatagram.messages(in: writer.bytes).first)
    }

    static func narrowStatistics(_ writer: inout NetlinkMessageWriter) {
        writer.beginNest(DestinationAttribute.statistics)
        writer.attribute(StatisticsAttribute.connections, UInt32(11))
        writer.attribute(StatisticsAttribute.incomingPackets, UInt32(12))
        writer.attribute(StatisticsAttribute.outgoingPackets, UInt32(13))
        writer.attribute(StatisticsAttribute.incomingBytes, UInt64(1 << 40))
        writer.attribute(StatisticsAttribute.outgoingBytes, UInt64(1 << 41))
        writer.attribute(StatisticsAttribute.connectionRate, UInt32(16))
        writer.attribute(StatisticsAttribute.outgoingByteRate, UInt32(20))
        writer.endNest()
    }

    @Test("the 32-bit statistics nest alone reads widened, its byte counts 64-bit")
    func narrowStatisticsWidened() throws {
        let observed = try IPVSReplyDecoder.realServer(from: Self.reply(Self.narrowStatistics), serviceFamily: .inet)
        #expect(observed.server.address == .v4(IPv4Address(203, 0, 113, 1)))
        #expect(observed.server.port == 8080)
        #expect(observed.server.weight == 3)
        var expected = Statistics()
        expected.connections = 11
        expected.incomingPackets = 12
        expected.outgoingPackets = 13
        expected.incomingBytes = 1 << 40
        expected.outgoingBytes = 1 << 41
        expected.connectionRate = 16
        expected.outgoingByteRate = 20
        #expect(observed.statistics == expected)
    }

    @Test("with both nests the 64-bit one is read, whichever comes first")
    func wideStatisticsWin() throws {
        for wideFirst in [true, false] {
            let message = try Self.reply { writer in
                if !wideFirst { Self.narrowStatistics(&writer) }
                writer.beginNest(DestinationAttribute.statistics64)
                writer.attribute(StatisticsAttribute.connections, UInt64(1 << 33))
                writer.endNest()
                if wideFirst { Self.narrowStatistics(&writer) }
            }
            let observed = try IPVSReplyDecoder.realServer(from: message, serviceFamily: .inet)
            var expected = Statistics()
            expected.connections = 1 << 33
            #expect(observed.statistics == expected, "wide first: \(wideFirst)")
        }
    }

    @Test("a counter a later kernel adds, of any width, is skipped, not an error")
    func unknownCounterSkipped() throws {
        let message = try Self.reply { writer in
            writer.beginNest(DestinationAttribute.statistics64)
            writer.attribute(StatisticsAttribute.connections, UInt64(5))
            writer.attribute(11, UInt8(1))
            writer.endNest()
        }
        var expected = Statistics()
        expected.connections = 5
        #expect(try IPVSReplyDecoder.realServer(from: message, serviceFamily: .inet).statistics == expected)
    }

    @Test("a repeated attribute: the last one counts, as in the kernel's own parsers")
    func lastAttributeWins() throws {
        let message = try Self.reply { writer in writer.attribute(DestinationAttribute.weight, UInt32(9)) }
        #expect(try IPVSReplyDecoder.realServer(from: message, serviceFamily: .inet).server.weight == 9)
    }

    @Test("a counter shorter than its type is a truncation error naming the attribute, not a wrong number")
    func shortCounter() throws {
        let message = try Self.reply { writer in
            writer.beginNest(DestinationAttribute.statistics)
            writer.attribute(StatisticsAttribute.connections, UInt16(1))
            writer.endNest()
        }
        let error = #expect(throws: WireDecodingError.self) {
            try IPVSReplyDecoder.realServer(from: message, serviceFamily: .inet)
        }
        #expect(error?.code == .truncated)
        #expect(error?.message.contains("attribute 1 has 2 bytes, needs 4") == true)
    }

    @Test("no port: a missing-attribute error, not a real server on port 0")
    func missingPort() throws {
        let message = try Self.reply(port: false)
        let error = #expect(throws: WireDecodingError.self) {
            try IPVSReplyDecoder.realServer(from: message, serviceFamily: .inet)
        }
        #expect(error?.code == .missingAttribute)
        #expect(error?.message == "no IPVS_DEST_ATTR_PORT")
    }
}
