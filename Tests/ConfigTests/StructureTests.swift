import Config
import Testing

/// Keys, required keys and YAML types, at every level of the file.
struct StructureTests {
    @Test(
        "an unknown key is reported where it is written, at every level",
        arguments: [
            ("services: []\nservice: []", Place(2, 1, "service", .unknownKey)),
            ("kernel: {conntrak: true}\nservices: []", Place(1, 10, "kernel.conntrak", .unknownKey)),
            ("kernel: {timeouts: {fin: 1}}\nservices: []", Place(1, 21, "kernel.timeouts.fin", .unknownKey)),
            ("nodes: {n: {address: []}}\nservices: []", Place(1, 13, "nodes[\"n\"].address", .unknownKey)),
            ("services:\n- name: a\n  selector: {app: a}", Place(3, 3, "services[0].selector", .unknownKey)),
            (
                "services:\n- name: a\n  ports: [{port: 80, appProtocol: http}]",
                Place(3, 22, "services[0].ports[0].appProtocol", .unknownKey)
            ),
            (
                "services:\n- name: a\n  endpoints: [{address: 192.0.2.1, nodeName: n}]",
                Place(3, 36, "services[0].endpoints[0].nodeName", .unknownKey)
            ),
            ("services:\n- name: a\n  scheduler: {name: rr, flag: [flag-1]}", Place(3, 25, "services[0].scheduler.flag", .unknownKey)),
            ("services:\n- name: a\n  tunnel: {kind: gre}", Place(3, 12, "services[0].tunnel.kind", .unknownKey)),
            ("services:\n- name: a\n  firewallMark: {mark: 1, fwmark: 2}", Place(3, 27, "services[0].firewallMark.fwmark", .unknownKey)),
            ("services:\n- name: a\n  sessionAffinity: {timeout: 5}", Place(3, 21, "services[0].sessionAffinity.timeout", .unknownKey)),
        ])
    func unknownKey(yaml: String, place: Place) {
        #expect(ConfigTesting.problems(yaml).map(\.place).contains(place))
    }

    @Test("an unknown key's message lists the allowed keys and suggests the likely one")
    func unknownKeyMessage() throws {
        let problem = try #require(
            ConfigTesting.problem(
                """
                services:
                - name: a
                  clusterIP: [198.51.100.1]
                  ports: [{port: 80, nodePort: 30080}]
                """))
        #expect(problem.place == Place(3, 3, "services[0].clusterIP", .unknownKey))
        #expect(problem.message.hasPrefix("unknown key 'clusterIP' (did you mean 'clusterIPs'?); allowed here: name, clusterIPs,"))
        let port = try #require(
            ConfigTesting.problem(
                """
                services:
                - name: a
                  clusterIPs: [198.51.100.1]
                  ports: [{port: 80, TargetPort: 80}]
                """))
        #expect(
            port.message
                == "unknown key 'TargetPort' (did you mean 'targetPort'?); allowed here: name, port, targetPort, protocol, nodePort")
    }

    @Test("top-level keys starting with x- are ignored; others are not")
    func extensionKeys() {
        #expect(ConfigTesting.state("x-anything: {whatever: [1, 2]}\nservices: []") != nil)
        let problem = ConfigTesting.problem("y-anything: 1\nservices: []")
        #expect(problem?.place == Place(1, 1, "y-anything", .unknownKey))
        #expect(problem?.message.hasSuffix("(and keys starting with x-)") == true)
    }

    @Test(
        "a missing required key is reported at its mapping, with the key's path",
        arguments: [
            ("node: a", Place(1, 1, "services", .missingKey)),
            ("services:\n- clusterIPs: [198.51.100.1]\n  ports: [{port: 80}]", Place(2, 3, "services[0].name", .missingKey)),
            (
                "services:\n- name: a\n  clusterIPs: [198.51.100.1]\n  ports: [{protocol: UDP}]",
                Place(4, 11, "services[0].ports[0].port", .missingKey)
            ),
            (
                "services:\n- name: a\n  ports: [{port: 80, nodePort: 30080}]\n  endpoints: [{node: n}]",
                Place(4, 15, "services[0].endpoints[0].address", .missingKey)
            ),
            ("services:\n- name: a\n  firewallMark: {family: IPv6}", Place(3, 17, "services[0].firewallMark.mark", .missingKey)),
            (
                "services:\n- name: a\n  clusterIPs: [198.51.100.1]\n  ports: [{port: 80}]\n  scheduler: {flags: [flag-1]}",
                Place(5, 14, "services[0].scheduler.name", .missingKey)
            ),
            ("nodes: {n: {}}\nservices: []", Place(1, 12, "nodes[\"n\"].addresses", .missingKey)),
        ])
    func missingKey(yaml: String, place: Place) throws {
        let problem = try #require(ConfigTesting.problem(yaml))
        #expect(problem.place == place)
        #expect(problem.message.contains("'\(place.path.split(separator: ".").last!)'"))
    }

    @Test("a required key without a value is reported at the value")
    func requiredKeyWithoutValue() throws {
        let problem = try #require(ConfigTesting.problem("services:\n- name:\n  clusterIPs: [198.51.100.1]\n  ports: [{port: 80}]"))
        #expect(problem.place == Place(2, 8, "services[0].name", .missingKey))
        #expect(problem.message == "required key 'name' has no value")
    }

    @Test(
        "a value of the wrong YAML type says what was expected and what was found",
        arguments: [
            ("services: {}", Place(1, 11, "services", .wrongType), "expected a list, found a mapping"),
            ("services: [web]", Place(1, 12, "services[0]", .wrongType), "expected a mapping, found the string 'web'"),
            (
                "kernel: {conntrack: 1}\nservices: []", Place(1, 21, "kernel.conntrack", .wrongType),
                "expected true or false, found the number 1"
            ),
            (
                "node: yes\nservices: []", Place(1, 7, "node", .wrongType),
                "expected a string, found the boolean 'yes' (quote it if you mean the text)"
            ),
            ("services:\n- name: [a]", Place(2, 9, "services[0].name", .wrongType), "expected a string, found a list"),
            (
                "services:\n- name: a\n  ports: [{port: \"80\"}]", Place(3, 18, "services[0].ports[0].port", .wrongType),
                "expected an integer, found the string '80'"
            ),
            (
                "services:\n- name: a\n  ports: [{port: 80, targetPort: http}]",
                Place(3, 34, "services[0].ports[0].targetPort", .wrongType), "expected an integer, found the string 'http'"
            ),
            (
                "services:\n- name: a\n  ports: [{port: 8.5}]", Place(3, 18, "services[0].ports[0].port", .wrongType),
                "expected an integer, found the number 8.5"
            ),
            (
                "services:\n- name: a\n  ports: [{port: 0x50}]", Place(3, 18, "services[0].ports[0].port", .wrongType),
                "write 0x50 as a decimal integer"
            ),
            (
                "services:\n- name: a\n  ports: [{port: 1:20}]", Place(3, 18, "services[0].ports[0].port", .wrongType),
                "write 1:20 as a decimal integer"
            ),
            (
                "services:\n- name: a\n  clusterIPs: 198.51.100.1", Place(3, 15, "services[0].clusterIPs", .wrongType),
                "expected a list, found the string '198.51.100.1'"
            ),
            (
                "services:\n- name: a\n  scheduler: [rr]", Place(3, 14, "services[0].scheduler", .wrongType),
                "expected a scheduler name or a mapping with name and flags, found a list"
            ),
            (
                "services:\n- name: a\n  sessionAffinity: [None]", Place(3, 20, "services[0].sessionAffinity", .wrongType),
                "expected None, ClientIP or a mapping with timeoutSeconds, found a list"
            ),
            (
                "services:\n- name: a\n  endpoints: {address: 192.0.2.1}", Place(3, 14, "services[0].endpoints", .wrongType),
                "expected a list, found a mapping"
            ),
            ("nodes: [a]\nservices: []", Place(1, 8, "nodes", .wrongType), "expected a mapping, found a list"),
            ("services: []\n? [a]\n: 1", Place(2, 3, "", .wrongType), "keys must be plain words, found a list"),
            (
                "x: &a {b: 1}\nservices:\n- <<: 5\n  name: a", Place(3, 7, "services[0].<<", .wrongType),
                "expected a mapping or a list of mappings to merge, found the number 5"
            ),
        ])
    func wrongType(yaml: String, place: Place, message: String) {
        let problems = ConfigTesting.problems(yaml)
        let problem = problems.first { $0.place == place }
        #expect(problem?.message == message, "\(problems)")
    }
}
