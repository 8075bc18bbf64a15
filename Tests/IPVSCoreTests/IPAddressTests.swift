import IPVSCore
import Testing

struct IPAddressTests {
    @Test("IPv4 text round-trips", arguments: ["0.0.0.0", "192.0.2.1", "255.255.255.255", "198.51.100.10"])
    func ipv4RoundTrip(text: String) {
        #expect(IPAddress(text)?.description == text)
        #expect(IPAddress(text)?.family == .inet)
    }

    @Test(
        "IPv6 prints in RFC 5952 canonical form",
        arguments: [
            ("2001:db8::1", "2001:db8::1"),
            ("2001:0db8:0000:0000:0000:0000:0000:0001", "2001:db8::1"),
            ("2001:db8:0:0:1:0:0:1", "2001:db8::1:0:0:1"),
            ("::", "::"),
            ("::1", "::1"),
            ("fe80::", "fe80::"),
            ("2001:DB8::ABCD", "2001:db8::abcd"),
            ("2001:db8:1:2:3:4:5:6", "2001:db8:1:2:3:4:5:6"),
            ("2001:db8:0:1:1:1:1:1", "2001:db8:0:1:1:1:1:1"),
            ("::ffff:192.0.2.1", "::ffff:c000:201"),
            ("1:2:3:4:5:6:7::", "1:2:3:4:5:6:7:0"),
            ("::2:3:4:5:6:7:8", "0:2:3:4:5:6:7:8"),
            ("1:2:3:4:5:6:192.0.2.1", "1:2:3:4:5:6:c000:201"),
            ("1::192.0.2.1", "1::c000:201"),
        ])
    func ipv6Canonical(input: String, canonical: String) {
        #expect(IPAddress(input)?.description == canonical)
        #expect(IPAddress(input)?.family == .inet6)
    }

    @Test(
        "malformed addresses are refused",
        arguments: [
            "", "1.2.3", "1.2.3.4.5", "256.0.0.1", "01.2.3.4", "1.2.3.-4", "a.b.c.d", "192.0.2.1/32",
            ":", ":::", "1::2::3", "2001:db8::12345", "2001:db8:0:0:0:0:0:0:1", "g::1", "1:2:3:4:5:6:7",
            "2001:db8::1%eth0", "1..2.3", ".1.2.3", "1.2.3.", "00.1.2.3", "1.2.3.0400", " 1.2.3.4",
            "1:2:3:4:5:6:7:8::", "1:2:3:4:5:6:7:8:9", ":1::", "1::2:", "1:", "::1.2.3",
            "1:2:3:4:5:6:7:192.0.2.1", "192.0.2.1::", "::192.0.2.1:1", "1:2:3:4:5:6:7:8:192.0.2.1",
        ])
    func refused(text: String) {
        #expect(IPAddress(text) == nil)
    }

    @Test("dotted quads are never IPv6, colon forms never IPv4")
    func familiesStayApart() {
        #expect(IPv6Address("192.0.2.1") == nil)
        #expect(IPv4Address("::1") == nil)
    }

    @Test("bytes are network order")
    func bytes() {
        #expect(IPAddress("192.0.2.1")?.bytes == [192, 0, 2, 1])
        #expect(IPAddress("2001:db8::1")?.bytes == [0x20, 0x01, 0x0d, 0xb8] + Array(repeating: 0, count: 11) + [1])
    }

    @Test("ordering puts IPv4 first, then numeric")
    func ordering() throws {
        let addresses = try ["2001:db8::2", "192.0.2.10", "2001:db8::1", "192.0.2.9"].map { try #require(IPAddress($0)) }
        #expect(addresses.sorted().map(\.description) == ["192.0.2.9", "192.0.2.10", "2001:db8::1", "2001:db8::2"])
    }
}

struct KernelModelTests {
    @Test("the HASHED flag never enters a service's flags")
    func hashedMasked() {
        let key = VirtualServiceKey.address(.v4(IPv4Address(192, 0, 2, 1)), port: 80, protocol: .tcp)
        let service = VirtualService(key: key, flags: [.persistent, .hashed])
        #expect(service.flags == .persistent)
    }

    @Test("default netmask is per client address in each family")
    func defaultNetmask() {
        #expect(VirtualService(key: .firewallMark(1, family: .inet)).netmask == 0xFFFF_FFFF)
        #expect(VirtualService(key: .firewallMark(1, family: .inet6)).netmask == 128)
    }

    @Test("services are named as ipvsadm names them")
    func keyDescriptions() {
        #expect(VirtualServiceKey.address(.v4(IPv4Address(192, 0, 2, 1)), port: 80, protocol: .tcp).description == "TCP 192.0.2.1:80")
        #expect(VirtualServiceKey.address(IPAddress("2001:db8::1")!, port: 53, protocol: .udp).description == "UDP [2001:db8::1]:53")
        #expect(VirtualServiceKey.firewallMark(7, family: .inet).description == "FWM 7")
        #expect(VirtualServiceKey.firewallMark(7, family: .inet6).description == "FWM 7 IPv6")
    }

    @Test("info version prints as major.minor.patch")
    func infoVersion() {
        #expect(IPVSInfo(version: 0x010201, connectionTableSize: 4096).versionString == "1.2.1")
    }
}
