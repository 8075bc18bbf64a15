import HealthChecking
import IPVSCore
import Testing

@testable import HealthChecking

@Suite("DNS query: encoding and the probe")
struct DNSQueryTests {
    /// A query for example.com, type A, class IN, recursion desired, id 0xBEEF, field by field
    /// (RFC 1035 sections 4.1.1 and 4.1.2).
    static let exampleComFixture: [UInt8] = [
        0xBE, 0xEF,  // ID
        0x01, 0x00,  // QR 0, OPCODE 0 (QUERY), AA 0, TC 0, RD 1 | RA 0, Z 0, RCODE 0
        0x00, 0x01,  // QDCOUNT 1
        0x00, 0x00,  // ANCOUNT 0
        0x00, 0x00,  // NSCOUNT 0
        0x00, 0x00,  // ARCOUNT 0
        0x07, 0x65, 0x78, 0x61, 0x6D, 0x70, 0x6C, 0x65,  // QNAME: 7 "example"
        0x03, 0x63, 0x6F, 0x6D,  //        3 "com"
        0x00,  //        the root
        0x00, 0x01,  // QTYPE A
        0x00, 0x01,  // QCLASS IN
    ]

    @Test("encodes byte for byte as the fixture")
    func encoding() throws {
        #expect(try DNSQuery(name: "example.com", id: 0xBEEF).bytes == Self.exampleComFixture)
        // A trailing dot names the same (fully qualified) name.
        #expect(try DNSQuery(name: "example.com.", id: 0xBEEF).bytes == Self.exampleComFixture)
    }

    @Test("the root name is a single zero byte")
    func root() throws {
        #expect(try DNSQuery.encode(".") == [0])
        #expect(try DNSQuery.encode("") == [0])
    }

    @Test(
        "names that cannot be encoded are refused with the reason",
        arguments: [
            ("a..b", DNSNameError.Code.emptyLabel),
            (".a", .emptyLabel),
            (String(repeating: "x", count: 64) + ".test", .labelTooLong),
            (Array(repeating: String(repeating: "x", count: 63), count: 4).joined(separator: "."), .nameTooLong),
            ("bücher.example", .notASCII),
        ])
    func invalid(name: String, code: DNSNameError.Code) {
        #expect(throws: DNSNameError(code, name: name)) { try DNSQuery.encode(name) }
    }

    @Test("the longest name that fits is accepted")
    func longest() throws {
        // 3 × (1 + 63) + (1 + 61) + 1 = 255 bytes.
        let name =
            Array(repeating: String(repeating: "x", count: 63), count: 3).joined(separator: ".") + "." + String(repeating: "y", count: 61)
        #expect(try DNSQuery.encode(name).count == 255)
    }

    @Test("a reply answers the query when it has its id and the QR bit")
    func answered() throws {
        let query = try DNSQuery(name: "example.com", id: 0xBEEF)
        var reply = query.bytes
        #expect(!query.isAnswered(by: reply))  // the query itself: QR 0
        reply[2] |= 0x80
        reply[3] = 0x83  // RA, NXDOMAIN: still an answer
        #expect(query.isAnswered(by: reply))
        reply[1] = 0xEE
        #expect(!query.isAnswered(by: reply))
        #expect(!query.isAnswered(by: [0xBE]))
    }

    /// Probes `name` against a UDP server that answers each query with `reply(query)`.
    func probe(_ name: String, reply: @escaping @Sendable ([UInt8]) -> [UInt8]?) async throws -> ProbeResult {
        let server = try await TestServers.udp(reply: reply)
        let result = await NetworkProber().probe(loopback(server.port, .udp(.dns(name: name))))
        try await server.close()
        return result
    }

    @Test("against a fake DNS server over UDP: a response with the id is healthy, whatever its rcode")
    func answeredOverUDP() async throws {
        let result = try await probe("svc.example.test") { query in
            var reply = query
            reply[2] |= 0x80  // QR: a response
            reply[3] = 0x83  // RA, RCODE 3 (NXDOMAIN)
            return reply
        }
        #expect(result.isSuccess, "\(result)")
    }

    @Test("a server that echoes the query (no QR bit): unexpected reply")
    func echoed() async throws {
        let result = try await probe("svc.example.test") { $0 }
        #expect(result.failure?.kind == .unexpectedReply, "\(result)")
    }

    @Test("a response to another id: unexpected reply")
    func otherId() async throws {
        let result = try await probe("svc.example.test") { query in
            var reply = query
            reply[0] ^= 0xFF
            reply[2] |= 0x80
            return reply
        }
        #expect(result.failure?.kind == .unexpectedReply, "\(result)")
    }

    @Test("a name that cannot be encoded fails the probe")
    func invalidNameProbe() async throws {
        let result = try await probe("a..b") { $0 }
        #expect(result.failure?.kind == .error, "\(result)")
        #expect(result.failure?.underlying is DNSNameError)
    }
}
