import IPVSCore
import IPVSWire
import Testing

/// The codec held to bytes captured from a real kernel (Fixtures/KernelCaptures.swift), in both
/// directions: our encoding equals what the kernel accepted, and what the kernel sent decodes to
/// the values the capture scenario used.
struct KernelFixtureTests {
    static let tcp4 = VirtualServiceKey.address(.v4(IPv4Address(192, 0, 2, 1)), port: 80, protocol: .tcp)
    static let udp6 = VirtualServiceKey.address(IPAddress("2001:db8::53")!, port: 53, protocol: .udp)
    static let sctp4 = VirtualServiceKey.address(.v4(IPv4Address(192, 0, 2, 2)), port: 3868, protocol: .sctp)
    static let sip4 = VirtualServiceKey.address(.v4(IPv4Address(192, 0, 2, 5)), port: 5060, protocol: .udp)
    static let mark = VirtualServiceKey.firewallMark(42, family: .inet)

    static let tcp4Service = VirtualService(key: tcp4, scheduler: .roundRobin)
    static let udp6Service = VirtualService(
        key: udp6, scheduler: .sourceHashing,
        flags: [.persistent, .sourceHashFallback, .sourceHashPort], timeout: 300, netmask: 64)
    static let sctp4Service = VirtualService(
        key: sctp4, scheduler: .weightedLeastConnection, flags: .persistent, timeout: 60, netmask: 0xFFFF_FF00)
    static let sipService = VirtualService(key: sip4, scheduler: .roundRobin, flags: .persistent, timeout: 360, persistenceEngine: "sip")
    static let markService = VirtualService(key: mark, scheduler: .maglevHashing, flags: .maglevFallback)

    static let masquerade = RealServer(
        address: .v4(IPv4Address(203, 0, 113, 1)), port: 8080, forwarding: .masquerade,
        weight: 5, upperThreshold: 100, lowerThreshold: 10)
    static let tunnel = RealServer(
        address: IPAddress("2001:db8:f::1")!, port: 53,
        forwarding: .tunnel(Tunnel(kind: .gue, port: 6080, checksum: .checksum)), weight: 2)
    static let directRoute = RealServer(address: .v4(IPv4Address(203, 0, 113, 2)), port: 0, forwarding: .directRoute, weight: 1)

    /// Each write the capture made, with its sequence number: sent as one command with NLM_F_ACK.
    static let writes: [(Capture, IPVSRequest, UInt32)] = {
        var drained = masquerade
        drained.weight = 0
        return [
            (KernelCaptures.setTimeouts, .setTimeouts(Timeouts(tcp: 1000, tcpFin: 100, udp: 200)), 4),
            (KernelCaptures.newServiceTCP4, .newService(tcp4Service), 5),
            (KernelCaptures.newServiceUDP6, .newService(udp6Service), 6),
            (KernelCaptures.newServiceSCTP4, .newService(sctp4Service), 7),
            (KernelCaptures.newServiceSIP, .newService(sipService), 8),
            (KernelCaptures.newServiceFirewallMark, .newService(markService), 9),
            (KernelCaptures.newServiceDuplicate, .newService(tcp4Service), 10),
            (KernelCaptures.newRealServerMasquerade, .newRealServer(masquerade, service: tcp4), 11),
            (KernelCaptures.newRealServerTunnel, .newRealServer(tunnel, service: udp6), 12),
            (KernelCaptures.newRealServerDirectRoute, .newRealServer(directRoute, service: mark), 13),
            (KernelCaptures.setService, .setService(VirtualService(key: tcp4, scheduler: .weightedRoundRobin)), 14),
            (KernelCaptures.setRealServer, .setRealServer(drained, service: tcp4), 15),
            (KernelCaptures.zeroCounters, .zeroCounters(service: nil), 19),
            (KernelCaptures.deleteRealServer, .deleteRealServer(masquerade.key, service: tcp4), 20),
            (KernelCaptures.deleteService, .deleteService(tcp4), 21),
            (KernelCaptures.flush, .flush, 22),
        ]
    }()

    /// Reads: sent without NLM_F_ACK; a get ends with its data, a dump with NLMSG_DONE.
    static let reads: [(Capture, IPVSRequest, UInt32)] = [
        (KernelCaptures.getInfo, .getInfo, 2),
        (KernelCaptures.getTimeouts, .getTimeouts, 3),
        (KernelCaptures.dumpServices, .dumpServices, 16),
        (KernelCaptures.dumpRealServers, .dumpRealServers(service: tcp4), 17),
        (KernelCaptures.getService, .getService(mark), 18),
    ]

    static func encode(_ request: IPVSRequest, sequence: UInt32, acknowledge: Bool) -> [UInt8] {
        var writer = NetlinkMessageWriter()
        request.encode(into: &writer, family: KernelCaptures.family, sequence: sequence, acknowledge: acknowledge)
        return writer.bytes
    }

    static func replies(_ capture: Capture) throws -> [NetlinkReply] {
        try capture.received.flatMap { try NetlinkDatagram.messages(in: $0) }.map { try NetlinkDatagram.reply($0) }
    }

    @Test("writes encode to the bytes the kernel accepted", arguments: 0..<16)
    func writesEncode(index: Int) {
        let (capture, request, sequence) = Self.writes[index]
        #expect(Self.encode(request, sequence: sequence, acknowledge: true) == capture.sent, "\(request.command)")
    }

    @Test("reads encode to the bytes the kernel answered", arguments: 0..<5)
    func readsEncode(index: Int) {
        let (capture, request, sequence) = Self.reads[index]
        #expect(Self.encode(request, sequence: sequence, acknowledge: false) == capture.sent, "\(request.command)")
    }

    @Test("every successful write is acknowledged by sequence number", arguments: 0..<16)
    func acknowledgements(index: Int) throws {
        let (capture, request, sequence) = Self.writes[index]
        let replies = try Self.replies(capture)
        try #require(replies.count == 1)
        if case .newService = request, capture.sent == KernelCaptures.newServiceDuplicate.sent {
            guard case .error(let seq, let errno, _) = replies[0] else { Issue.record("expected an error"); return }
            #expect(seq == sequence)
            #expect(errno == 17)  // EEXIST
        } else {
            guard case .acknowledgement(let seq) = replies[0] else { Issue.record("expected an ACK, got \(replies[0])"); return }
            #expect(seq == sequence)
        }
    }

    @Test("GET_INFO reply")
    func info() throws {
        guard case .data(let message) = try Self.replies(KernelCaptures.getInfo).first else { Issue.record("no data"); return }
        #expect(try IPVSReplyDecoder.info(from: message) == IPVSInfo(version: 0x01_02_01, connectionTableSize: 4096))
    }

    @Test("GET_CONFIG reply")
    func timeouts() throws {
        guard case .data(let message) = try Self.replies(KernelCaptures.getTimeouts).first else { Issue.record("no data"); return }
        #expect(try IPVSReplyDecoder.timeouts(from: message) == Timeouts(tcp: 900, tcpFin: 120, udp: 300))
    }

    @Test("service dump: HASHED masked, netmasks per family, engine, then NLMSG_DONE")
    func serviceDump() throws {
        let replies = try Self.replies(KernelCaptures.dumpServices)
        var services: [VirtualService] = []
        for reply in replies.dropLast() {
            guard case .data(let message) = reply else { Issue.record("expected data, got \(reply)"); return }
            #expect(message.header.flags.contains(.multi))
            services.append(try IPVSReplyDecoder.virtualService(from: message).service)
        }
        guard case .done(let sequence, let interrupted) = replies.last else { Issue.record("no NLMSG_DONE"); return }
        #expect(sequence == 16)
        #expect(!interrupted)
        #expect(
            Set(services) == [
                VirtualService(key: Self.tcp4, scheduler: .weightedRoundRobin),
                Self.udp6Service, Self.sctp4Service, Self.sipService, Self.markService,
            ])
    }

    @Test("real-server dump: forwarding, weight, thresholds, family, zero connections")
    func realServerDump() throws {
        let replies = try Self.replies(KernelCaptures.dumpRealServers)
        try #require(replies.count == 2)
        guard case .data(let message) = replies[0] else { Issue.record("expected data"); return }
        let observed = try IPVSReplyDecoder.realServer(from: message, serviceFamily: .inet)
        var drained = Self.masquerade
        drained.weight = 0
        #expect(observed.server == drained)
        #expect(observed.activeConnections == 0)
        #expect(observed.inactiveConnections == 0)
        #expect(observed.persistentConnections == 0)
        #expect(observed.statistics == Statistics())
        guard case .done = replies[1] else { Issue.record("no NLMSG_DONE"); return }
    }

    @Test("GET_SERVICE of a firewall-mark service")
    func getService() throws {
        guard case .data(let message) = try Self.replies(KernelCaptures.getService).first else { Issue.record("no data"); return }
        #expect(try IPVSReplyDecoder.virtualService(from: message).service == Self.markService)
    }

    @Test("every captured datagram annotates without an unparsable line")
    func annotations() {
        let all = (Self.writes + Self.reads).flatMap { [$0.0.sent] + $0.0.received }
        for datagram in all {
            let lines = IPVSMessageAnnotator.annotate(datagram)
            #expect(lines.reduce(0) { $0 + $1.bytes.count } == datagram.count)
            #expect(!lines.contains { $0.comment.contains("unparsable") || $0.comment.contains("malformed") })
        }
    }
}
