/// A DNS query for a name's A records with recursion desired (RFC 1035 section 4.1), and the
/// test that a datagram answers it.
///
/// The probe asks whether the server answers, not what: any response with the query's id counts,
/// whatever its rcode (NXDOMAIN and SERVFAIL included).
struct DNSQuery: Hashable, Sendable {
    var id: UInt16
    var name: String
    /// The query as sent: header, then the one question.
    let bytes: [UInt8]

    init(name: String, id: UInt16) throws(DNSNameError) {
        self.id = id
        self.name = name
        var bytes: [UInt8] = [
            UInt8(id >> 8), UInt8(id & 0xFF),
            0x01, 0x00,  // flags: QR 0 (query), opcode 0, RD 1; the rest 0
            0x00, 0x01,  // QDCOUNT: one question
            0x00, 0x00,  // ANCOUNT
            0x00, 0x00,  // NSCOUNT
            0x00, 0x00,  // ARCOUNT
        ]
        bytes += try Self.encode(name)
        bytes += [0x00, 0x01]  // QTYPE A
        bytes += [0x00, 0x01]  // QCLASS IN
        self.bytes = bytes
    }

    /// Whether `reply` is a response (QR set) to this query (same id).
    func isAnswered(by reply: some Collection<UInt8>) -> Bool {
        let header = Array(reply.prefix(3))
        guard header.count == 3 else { return false }
        return header[0] == UInt8(id >> 8) && header[1] == UInt8(id & 0xFF) && header[2] & 0x80 != 0
    }

    /// The name as length-prefixed labels ending with the root's empty label. A trailing dot is
    /// allowed; "" and "." are the root.
    static func encode(_ name: String) throws(DNSNameError) -> [UInt8] {
        guard name != "." else { return [0] }
        var labels = name.split(separator: ".", omittingEmptySubsequences: false)
        if labels.last == "" { labels.removeLast() }
        var encoded: [UInt8] = []
        for label in labels {
            let bytes = Array(label.utf8)
            guard !bytes.isEmpty else { throw DNSNameError(.emptyLabel, name: name) }
            guard bytes.count <= 63 else { throw DNSNameError(.labelTooLong, name: name) }
            guard bytes.allSatisfy({ $0 < 0x80 }) else { throw DNSNameError(.notASCII, name: name) }
            encoded.append(UInt8(bytes.count))
            encoded += bytes
        }
        encoded.append(0)
        guard encoded.count <= 255 else { throw DNSNameError(.nameTooLong, name: name) }
        return encoded
    }
}

/// A name that cannot go into a DNS query.
struct DNSNameError: Error, Hashable, Sendable {
    enum Code: String, Hashable, Sendable {
        case emptyLabel
        case labelTooLong
        case nameTooLong
        case notASCII
    }

    var code: Code
    /// The name as given.
    var name: String

    init(_ code: Code, name: String) {
        self.code = code
        self.name = name
    }

    var message: String {
        switch code {
        case .emptyLabel: "\"\(name)\" has an empty label (two dots in a row, or a leading dot)"
        case .labelTooLong: "\"\(name)\" has a label longer than 63 bytes"
        case .nameTooLong: "\"\(name)\" is longer than 255 bytes encoded"
        case .notASCII: "\"\(name)\" is not ASCII (use its IDNA form, xn--...)"
        }
    }
}

extension DNSNameError: CustomStringConvertible {
    var description: String { message }
}
