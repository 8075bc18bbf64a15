import Testing

@testable import Config
@testable import YAML

/// ScalarKind replaces Yams' default resolver (for speed), so it must read plain scalars the
/// way that resolver's YAML 1.1 patterns do.
struct ScalarKindTests {
    @Test(
        "YAML 1.1 integers",
        arguments: [
            "0", "80", "+80", "-80", "1_000", "0x1F", "0xff", "-0x1F", "0o17", "017", "0b101", "-0b1", "1:20", "190:20:30",
        ])
    func integers(text: String) {
        #expect(ScalarKind.isInteger(Array(text.utf8)[...]))
    }

    @Test(
        "YAML 1.1 floats",
        arguments: [
            "1.5", "1.", ".5", "1e3", "1.5e-3", "-2.0E+10", "08", "1_0.0_1", "1:20.5", ".inf", "-.Inf", "+.INF", ".nan", ".NaN",
        ])
    func floats(text: String) {
        #expect(!ScalarKind.isInteger(Array(text.utf8)[...]))
        #expect(ScalarKind.isFloat(Array(text.utf8)[...]))
    }

    @Test(
        "text that only looks numeric is neither",
        arguments: [
            "192.0.2.1", "2001:db8::1", "1:60", "0x", "0b", "0o", "0b2", "0xG", "+", "-", ".", "1e", "1e+", "e3", "1.2.3",
            "12a", "-.nan", "inf", "1:2:", "node-1",
        ])
    func notNumbers(text: String) {
        #expect(!ScalarKind.isInteger(Array(text.utf8)[...]))
        #expect(!ScalarKind.isFloat(Array(text.utf8)[...]))
    }

    /// The resolver's shortcuts (plain digits, two dots or more, a first letter no word has)
    /// decide as the full grammar does.
    @Test(
        "a plain scalar resolves as the YAML 1.1 grammar says",
        arguments: [
            "0", "7", "80", "8080", "08", "0123", "089", "1_000", "+80", "1.5", "1.", ".5", "1e3", "192.0.2.1", "1.2.3",
            "1..2", "..", "10.0.0.0/8", "2001:db8::1", "1:20", "1:60", "yes", "No", "ON", "off", "true", "FALSE", "null",
            "Null", "~", "", "y", "n", "nope", "name", "port", "bench/s1", ".inf", ".nan", "-.Inf",
        ])
    func plainScalars(text: String) {
        let bytes = Array(text.utf8)
        let expected: ScalarKind =
            if ScalarKind.isNullWord(text) {
                .null
            } else if let value = ScalarKind.boolean(text) {
                .boolean(value)
            } else if ScalarKind.isInteger(bytes[...]) {
                .integer
            } else if ScalarKind.isFloat(bytes[...]) {
                .float
            } else {
                .string
            }
        let resolved = bytes.withUnsafeBufferPointer { ScalarKind(tag: .implicit, isPlain: true, text: $0) }
        #expect(resolved == expected)
    }

    @Test("plain null and boolean words, and their quoted forms as text")
    func wordsAndQuotes() throws {
        let state = try #require(
            ConfigTesting.state(
                """
                kernel: {conntrack: on, expireNoDestConn: Off, expireQuiescentTemplate: TRUE}
                services:
                - name: "yes"
                  clusterIPs: [198.51.100.1]
                  ports: [{port: 80, name: 'null'}]
                  endpoints: [{address: 192.0.2.1, zone: "~", node: !!str true}]
                """))
        #expect(state.kernel.conntrack == true)
        #expect(state.kernel.expireNoDestinationConnections == false)
        #expect(state.kernel.expireQuiescentTemplates == true)
        #expect(state.services.first?.name == "yes")
        #expect(state.services.first?.ports.first?.name == "null")
        #expect(state.services.first?.endpoints.first?.zone == "~")
        #expect(state.services.first?.endpoints.first?.node == "true")
    }

    @Test("an explicit !!int tag makes a number of text, and a quoted merge key is a key like any other")
    func explicitTags() {
        #expect(
            ConfigTesting.state("services:\n- name: a\n  clusterIPs: [198.51.100.1]\n  ports: [{port: !!int \"80\"}]")?
                .services.first?.ports.first?.port == 80)
        #expect(
            ConfigTesting.problems("x-d: &d {name: a}\nservices:\n- \"<<\": *d").map(\.place)
                == [
                    Place(3, 3, "services[0].<<", .unknownKey), Place(3, 3, "services[0].name", .missingKey),
                    Place(3, 3, "services[0]", .noVirtualService),
                ])
    }
}
