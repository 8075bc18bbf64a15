import IPVSCore
import IPVSWire
import PropertyBased
import Testing

/// For random services and real servers: what the encoder writes, the decoder reads back equal.
/// A NEW_SERVICE or NEW_DEST request nests the same attributes a dump reply does, so the reply
/// decoder can read requests too.
struct RoundTripPropertyTests {
    static let family: UInt16 = 0x23

    static func address(_ raw: UInt64, v6: Bool) -> IPAddress {
        if v6 {
            let bytes = [0x20, 0x01, 0x0d, 0xb8] + (0..<12).map { UInt8(truncatingIfNeeded: raw >> (8 * UInt64($0 % 8)) &+ UInt64($0)) }
            return .v6(IPv6Address(bytes: bytes)!)
        }
        return .v4(IPv4Address(UInt32(truncatingIfNeeded: raw)))
    }

    static let keys = zip(Gen.uint64(in: 0...UInt64.max), Gen.bool, Gen.int(in: 0...3), Gen.uint16(in: 0...UInt16.max))
        .map { raw, v6, kind, port -> VirtualServiceKey in
            let protocols: [TransportProtocol] = [.tcp, .udp, .sctp]
            if kind == 3 { return .firewallMark(UInt32(truncatingIfNeeded: raw) | 1, family: v6 ? .inet6 : .inet) }
            return .address(address(raw, v6: v6), port: port, protocol: protocols[kind])
        }

    static let services = zip(
        keys, Gen.int(in: 0...(Scheduler.mainline.count - 1)), Gen.uint32(in: 0...0x3F),
        Gen.uint32(in: 0...UInt32.max), Gen.uint32(in: 0...UInt32.max), Gen.bool
    )
    .map { key, scheduler, flags, timeout, netmask, engine in
        VirtualService(
            key: key, scheduler: Scheduler.mainline[scheduler],
            flags: ServiceFlags(rawValue: flags).subtracting(.hashed), timeout: timeout,
            netmask: key.family == .inet ? netmask : netmask % 128 + 1,
            persistenceEngine: engine ? "sip" : nil)
    }

    static let forwardings = zip(Gen.int(in: 0...4), Gen.int(in: 0...2), Gen.uint16(in: 0...UInt16.max), Gen.int(in: 0...2))
        .map { method, kind, port, checksum -> ForwardingMethod in
            switch method {
            case 0: .masquerade
            case 1: .localNode
            case 2: .tunnel(Tunnel(kind: Tunnel.Kind(rawValue: UInt8(kind))!, port: port, checksum: Tunnel.Checksum.allCases[checksum]))
            case 3: .directRoute
            default: .bypass
            }
        }

    static let realServers = zip(
        Gen.uint64(in: 0...UInt64.max), Gen.bool, Gen.uint16(in: 0...UInt16.max), forwardings,
        Gen.uint32(in: 0...UInt32(Int32.max)), Gen.uint32(in: 0...UInt32.max)
    )
    .map { raw, v6, port, forwarding, weight, threshold in
        RealServer(
            address: address(raw, v6: v6), port: port, forwarding: forwarding, weight: weight,
            upperThreshold: threshold, lowerThreshold: threshold / 2)
    }

    static func single(_ request: IPVSRequest, sequence: UInt32 = 1) throws -> NetlinkMessage {
        var writer = NetlinkMessageWriter()
        request.encode(into: &writer, family: family, sequence: sequence, acknowledge: true)
        let messages = try NetlinkDatagram.messages(in: writer.bytes)
        try #require(messages.count == 1)
        return messages[0]
    }

    @Test("virtual services survive encode then decode")
    func virtualServices() async {
        await propertyCheck(count: 300, input: Self.services) { service in
            let decoded = try IPVSReplyDecoder.virtualService(from: Self.single(.newService(service)))
            #expect(decoded.service == service)
        }
    }

    @Test("real servers survive encode then decode, with their own family")
    func realServers() async {
        await propertyCheck(count: 300, input: Self.realServers, Self.keys) { server, key in
            let decoded = try IPVSReplyDecoder.realServer(
                from: Self.single(.newRealServer(server, service: key)),
                serviceFamily: key.family)
            #expect(decoded.server == server)
        }
    }

    @Test("every request is one well-formed message whose header says what it is")
    func headers() async {
        await propertyCheck(count: 200, input: Self.services, Self.realServers, Gen.uint32(in: 1...UInt32.max)) {
            service, server, sequence in
            let requests: [IPVSRequest] = [
                .newService(service), .setService(service), .deleteService(service.key), .getService(service.key),
                .dumpServices, .newRealServer(server, service: service.key), .setRealServer(server, service: service.key),
                .deleteRealServer(server.key, service: service.key), .dumpRealServers(service: service.key),
                .getInfo, .getTimeouts, .setTimeouts(Timeouts(tcp: sequence)), .zeroCounters(service: service.key),
                .zeroCounters(service: nil), .flush, .dumpSyncDaemons, .stopSyncDaemon(.backup),
                .startSyncDaemon(
                    SyncDaemon(
                        role: .master, interface: "eth0", syncID: sequence, maximumLength: 1400,
                        group: service.key.family == .inet ? IPAddress("224.0.0.82") : IPAddress("ff02::1:3"),
                        port: 8849, ttl: 2)),
            ]
            for request in requests {
                let message = try Self.single(request, sequence: sequence)
                #expect(message.header.sequence == sequence)
                #expect(message.header.type == Self.family)
                #expect(message.header.flags.contains(.request))
                #expect(message.header.flags.contains(.dump) == request.isDump)
                #expect(message.payload.first == request.command.rawValue)
                #expect(Int(message.header.length) == message.payload.count + NetlinkMessageHeader.size)
            }
        }
    }

    @Test("sync daemons survive encode then decode")
    func syncDaemons() throws {
        for daemon in [
            SyncDaemon(
                role: .master, interface: "eth0", syncID: 7, maximumLength: 1400, group: IPAddress("224.0.0.82"), port: 8849, ttl: 2),
            SyncDaemon(role: .backup, interface: "bond0.12", syncID: 0, group: IPAddress("ff02::1:3")),
        ] {
            let decoded = try IPVSReplyDecoder.syncDaemon(from: Self.single(.startSyncDaemon(daemon)))
            #expect(decoded == daemon)
        }
    }

    @Test("a batch is messages back to back, and the ACK goes on the last only")
    func batchLayout() throws {
        var writer = NetlinkMessageWriter()
        let key = VirtualServiceKey.firewallMark(1, family: .inet)
        for sequence in 1...5 {
            IPVSRequest.deleteService(key).encode(into: &writer, family: Self.family, sequence: UInt32(sequence), acknowledge: false)
        }
        writer.setAcknowledgeOnLastMessage()
        let messages = try NetlinkDatagram.messages(in: writer.bytes)
        #expect(messages.map(\.header.sequence) == [1, 2, 3, 4, 5])
        #expect(messages.map { $0.header.flags.contains(.ack) } == [false, false, false, false, true])
        writer.removeLastMessage()
        #expect(try NetlinkDatagram.messages(in: writer.bytes).count == 4)
    }
}

/// Whatever bytes arrive, decoding answers with a value or a typed error, never a crash.
struct MalformedInputTests {
    static let reply: [UInt8] = {
        var writer = NetlinkMessageWriter()
        let key = VirtualServiceKey.address(.v4(IPv4Address(192, 0, 2, 1)), port: 80, protocol: .tcp)
        IPVSRequest.newService(VirtualService(key: key, scheduler: .roundRobin)).encode(
            into: &writer, family: 0x23, sequence: 1, acknowledge: false)
        IPVSRequest.newRealServer(RealServer(address: .v4(IPv4Address(203, 0, 113, 1)), port: 80), service: key)
            .encode(into: &writer, family: 0x23, sequence: 2, acknowledge: false)
        return writer.bytes
    }()

    /// Decodes everything a datagram holds the way the client does; returns whether it got through.
    static func decodeAll(_ bytes: [UInt8]) -> Bool {
        do {
            for message in try NetlinkDatagram.messages(in: bytes) {
                if case .data(let data) = try NetlinkDatagram.reply(message) {
                    if data.payload.first == IPVSCommand.newService.rawValue {
                        _ = try IPVSReplyDecoder.virtualService(from: data)
                    } else {
                        _ = try IPVSReplyDecoder.realServer(from: data, serviceFamily: .inet)
                    }
                }
            }
            return true
        } catch {
            return false
        }
    }

    @Test("every truncation of a valid datagram is a typed error")
    func truncations() {
        #expect(Self.decodeAll(Self.reply))
        for length in 0..<Self.reply.count {
            let prefix = Array(Self.reply.prefix(length))
            // Cutting exactly between messages leaves a valid, shorter datagram.
            let boundary = length == 0 || (try? NetlinkDatagram.messages(in: prefix)).map { !$0.isEmpty } == true
            if !boundary { #expect(!Self.decodeAll(prefix), "prefix of \(length) bytes decoded") }
        }
    }

    @Test("specific malformations name what is wrong")
    func specific() throws {
        var short = Self.reply
        short[0] = 8  // message length below the header size
        #expect(throws: WireDecodingError.self) { try NetlinkDatagram.messages(in: short) }
        do {
            _ = try NetlinkDatagram.messages(in: short)
        } catch {
            #expect(error.code == .malformed)
        }

        var longer = Self.reply
        longer[0] = 0xFF  // length past the end
        do {
            _ = try NetlinkDatagram.messages(in: longer)
            Issue.record("accepted a length past the end")
        } catch {
            #expect(error.code == .truncated)
        }

        // A service nest without its address family.
        var writer = NetlinkMessageWriter()
        writer.beginMessage(type: 0x23, flags: .multi, sequence: 1, genericHeader: GenericNetlinkHeader(command: 1, version: 1))
        writer.beginNest(CommandAttribute.service)
        writer.attribute(ServiceAttribute.protocol, UInt16(6))
        writer.endNest()
        writer.endMessage()
        let message = try #require(try NetlinkDatagram.messages(in: writer.bytes).first)
        do {
            _ = try IPVSReplyDecoder.virtualService(from: message)
            Issue.record("decoded a service without a family")
        } catch {
            #expect(error.code == .missingAttribute)
            #expect(error.message.contains("IPVS_SVC_ATTR_AF"))
        }
    }

    @Test("random corruption never crashes the decoder")
    func corruption() async {
        await propertyCheck(
            count: 2000, input: Gen.int(in: 0...(Self.reply.count - 1)), Gen.uint8(in: 0...255), Gen.int(in: 0...(Self.reply.count - 1))
        ) { index, value, cut in
            var bytes = Self.reply
            bytes[index] = value
            _ = Self.decodeAll(Array(bytes.prefix(max(cut, index + 1))))
        }
    }
}
