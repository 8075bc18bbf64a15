import Config
import Testing

/// Every way a health check can be wrong, each reported where it is written. The snippets are
/// fields of one valid service (name, a VIP and port 80) starting on line 5, column 3.
struct HealthCheckProblemTests {
    private func yaml(_ fields: String) -> String {
        "services:\n- name: a\n  clusterIPs: [198.51.100.1]\n  ports: [{port: 80}]\n  "
            + fields.replacingOccurrences(of: "\n", with: "\n  ")
    }

    private func places(_ fields: String, sourceLocation: SourceLocation = #_sourceLocation) -> [Place] {
        ConfigTesting.problems(yaml(fields), sourceLocation: sourceLocation).map(\.place)
    }

    private func problem(_ fields: String, sourceLocation: SourceLocation = #_sourceLocation) -> ConfigProblem? {
        ConfigTesting.problem(yaml(fields), sourceLocation: sourceLocation)
    }

    /// Expects `check`, as the service's `healthCheck`, to have one problem: `code` at `key`
    /// (a path below the check) with `message`.
    private func expectProblem(
        in check: String, _ code: ConfigProblem.Code, at key: String, _ message: String,
        sourceLocation: SourceLocation = #_sourceLocation
    ) {
        let found = problem("healthCheck: \(check)", sourceLocation: sourceLocation)
        #expect(found?.code == code, sourceLocation: sourceLocation)
        #expect(found?.path == "services[0].healthCheck.\(key)", sourceLocation: sourceLocation)
        #expect(found?.message == message, sourceLocation: sourceLocation)
    }

    // MARK: Keys and types

    @Test("an unknown key is reported where written, with the key it likely meant")
    func unknownKey() throws {
        let found = try #require(problem("healthCheck: {type: tcp, interval: 5}"))
        #expect(found.place == Place(5, 28, "services[0].healthCheck.interval", .unknownKey))
        #expect(
            found.message.hasPrefix("unknown key 'interval' (did you mean 'intervalSeconds'?); allowed here: type, port, intervalSeconds,"))
    }

    @Test("a service's check must name its type")
    func typeRequired() throws {
        let found = try #require(problem("healthCheck: {port: 8080}"))
        #expect(found.place == Place(5, 16, "services[0].healthCheck.type", .missingKey))
        #expect(found.message == "required key 'type' is missing")
    }

    @Test("a type outside the vocabulary is refused, with the right case suggested")
    func unknownType() throws {
        let found = try #require(problem("healthCheck: {type: grpc}"))
        #expect(found.place == Place(5, 23, "services[0].healthCheck.type", .invalidValue))
        #expect(found.message == "'grpc' is not one of: tcp, http, https, udp, dns, exec")
        #expect(problem("healthCheck: {type: HTTP}")?.message.hasSuffix("(did you mean 'http'?)") == true)
    }

    @Test("an endpoint's check on a service without one must name its type")
    func overrideTypeRequired() throws {
        let found = try #require(problem("endpoints:\n- {address: 192.0.2.1, healthCheck: {port: 8080}}"))
        #expect(found.place == Place(6, 39, "services[0].endpoints[0].healthCheck.type", .missingKey))
        #expect(found.message == "required key 'type' is missing: the service has no healthCheck to take it from")
    }

    @Test("an override names a type only to switch to another one")
    func overrideRepeatsType() throws {
        let found = try #require(problem("healthCheck: {type: http}\nendpoints:\n- {address: 192.0.2.1, healthCheck: {type: http}}"))
        #expect(found.place == Place(7, 46, "services[0].endpoints[0].healthCheck.type", .notApplicable))
        #expect(
            found.message
                == "the service's check is already http: leave type out to inherit the service's settings, or give another type to switch")
    }

    @Test(
        "a value of the wrong YAML type says what was expected",
        arguments: [
            ("{type: tcp, intervalSeconds: \"5\"}", "intervalSeconds", "expected a number, found the string '5'"),
            ("{type: tcp, intervalSeconds: 0x10}", "intervalSeconds", "write 0x10 as a decimal number"),
            ("{type: tcp, timeoutSeconds: 1e3}", "timeoutSeconds", "write 1e3 as a decimal number"),
            ("{type: tcp, intervalSeconds: 1:30}", "intervalSeconds", "write 1:30 as a decimal number"),
            ("{type: tcp, jitter: .inf}", "jitter", "write .inf as a decimal number"),
            ("{type: tcp, jitter: 1_0}", "jitter", "write 1_0 as a decimal number"),
            ("{type: tcp, rise: 2.5}", "rise", "expected an integer, found the number 2.5"),
            ("{type: tcp, initiallyHealthy: maybe}", "initiallyHealthy", "expected true or false, found the string 'maybe'"),
            ("{type: exec, command: /bin/true}", "command", "expected a list, found the string '/bin/true'"),
            ("{type: http, path: [a]}", "path", "expected a string, found a list"),
            ("{type: dns, query: yes}", "query", "expected a string, found the boolean 'yes' (quote it if you mean the text)"),
            ("{type: exec, command: [check, [a]]}", "command[1]", "expected a string, found a list"),
        ])
    func wrongType(check: String, path: String, message: String) {
        expectProblem(in: check, .wrongType, at: path, message)
    }

    @Test("a check that is not a mapping is refused as such")
    func notAMapping() throws {
        let found = try #require(problem("healthCheck: tcp"))
        #expect(found.place == Place(5, 16, "services[0].healthCheck", .wrongType))
        #expect(found.message == "expected a mapping, found the string 'tcp'")
    }

    // MARK: Ranges and values

    @Test(
        "numbers outside their range are refused with the range",
        arguments: [
            ("{type: tcp, intervalSeconds: 0}", "intervalSeconds", "intervalSeconds 0 is out of range 0.001...86400"),
            ("{type: tcp, intervalSeconds: -1}", "intervalSeconds", "intervalSeconds -1 is out of range 0.001...86400"),
            ("{type: tcp, intervalSeconds: 86400.5}", "intervalSeconds", "intervalSeconds 86400.5 is out of range 0.001...86400"),
            ("{type: tcp, timeoutSeconds: 0.0001}", "timeoutSeconds", "timeoutSeconds 0.0001 is out of range 0.001...86400"),
            ("{type: tcp, jitter: 1.5}", "jitter", "jitter 1.5 is out of range 0...1"),
            ("{type: tcp, jitter: -0.1}", "jitter", "jitter -0.1 is out of range 0...1"),
            ("{type: tcp, rise: 0}", "rise", "rise 0 is out of range 1...100"),
            ("{type: tcp, fall: 101}", "fall", "fall 101 is out of range 1...100"),
            ("{type: tcp, port: 0}", "port", "port 0 is out of range 1...65535"),
            ("{type: tcp, port: 65536}", "port", "port 65536 is out of range 1...65535"),
            ("{type: http, expectedStatus: 99}", "expectedStatus", "expectedStatus 99 is out of range 100...599"),
            ("{type: http, expectedStatus: 200-600}", "expectedStatus", "expectedStatus 200-600 is out of range 100...599"),
        ])
    func outOfRange(check: String, path: String, message: String) {
        expectProblem(in: check, .outOfRange, at: path, message)
    }

    @Test("a panic threshold is a fraction")
    func panicThresholdRange() throws {
        let found = try #require(problem("healthCheck: {type: tcp}\npanicThreshold: 1.5"))
        #expect(found.place == Place(6, 19, "services[0].panicThreshold", .outOfRange))
        #expect(found.message == "panicThreshold 1.5 is out of range 0...1")
    }

    @Test(
        "malformed probe values are refused with what is wrong",
        arguments: [
            ("{type: http, path: healthz}", "path", "path 'healthz' must start with '/'"),
            ("{type: http, path: \"/a b\"}", "path", "path must not contain spaces or control characters (percent-encode them: %20)"),
            ("{type: http, path: \"/a\\tb\"}", "path", "path must not contain spaces or control characters (percent-encode them: %20)"),
            ("{type: http, host: \"a b\"}", "host", "host must not contain spaces or control characters"),
            ("{type: http, host: \"\"}", "host", "host must not be empty"),
            ("{type: http, bodyContains: \"\"}", "bodyContains", "bodyContains must not be empty"),
            (
                "{type: http, expectedStatus: 399-200}", "expectedStatus",
                "expectedStatus 399-200 is backwards: write the lower code first (200-399)"
            ),
            (
                "{type: http, expectedStatus: 2xx}", "expectedStatus",
                "expectedStatus '2xx' is neither a status code nor a range of them like 200-399"
            ),
            (
                "{type: http, expectedStatus: 200-300-400}", "expectedStatus",
                "expectedStatus '200-300-400' is neither a status code nor a range of them like 200-399"
            ),
            (
                "{type: http, expectedStatus: -200}", "expectedStatus",
                "expectedStatus '-200' is neither a status code nor a range of them like 200-399"
            ),
            ("{type: udp, send: \"\"}", "send", "send must not be empty"),
            ("{type: udp, sendHex: abc}", "sendHex", "sendHex must be bytes as pairs of hexadecimal digits, like 0a0b, not 'abc'"),
            ("{type: udp, sendHex: zz}", "sendHex", "sendHex must be bytes as pairs of hexadecimal digits, like 0a0b, not 'zz'"),
            (
                "{type: udp, send: a, expectHex: 0x0a}", "expectHex",
                "expectHex must be bytes as pairs of hexadecimal digits, like 0a0b, not '0x0a'"
            ),
            (
                "{type: dns, query: bad..example}", "query",
                "'bad..example' is not a DNS name: it has an empty label (two dots in a row, or a leading dot)"
            ),
            (
                "{type: dns, query: .example}", "query",
                "'.example' is not a DNS name: it has an empty label (two dots in a row, or a leading dot)"
            ),
            ("{type: dns, query: \".\"}", "query", "'.' is not a DNS name: it must be 1 to 253 characters long"),
            ("{type: dns, query: -x.example}", "query", "'-x.example' is not a DNS name: label '-x' must not start or end with '-'"),
            (
                "{type: dns, query: \"a b.example\"}", "query",
                "'a b.example' is not a DNS name: label 'a b' may hold only letters, digits, '-' and '_'"
            ),
            (
                "{type: dns, query: \(String(repeating: "a", count: 64)).example}", "query",
                "'\(String(repeating: "a", count: 64)).example' is not a DNS name: label '\(String(repeating: "a", count: 64))' is longer than 63 characters"
            ),
            (
                "{type: dns, query: \(Array(repeating: String(repeating: "a", count: 63), count: 4).joined(separator: "."))}", "query",
                "'\(Array(repeating: String(repeating: "a", count: 63), count: 4).joined(separator: "."))' is not a DNS name: it must be 1 to 253 characters long"
            ),
            (
                "{type: exec, command: []}", "command",
                "command must not be empty: give the program and its arguments, like [/usr/local/bin/check, --fast]"
            ),
            ("{type: exec, command: [\"\", x]}", "command[0]", "the program to run must not be empty"),
        ])
    func invalidValue(check: String, path: String, message: String) {
        expectProblem(in: check, .invalidValue, at: path, message)
    }

    @Test(
        "invalid values are reported at the value",
        arguments: [
            ("{type: udp, sendHex: abc}", Place(5, 37, "services[0].healthCheck.sendHex", .invalidValue)),
            ("{type: exec, command: [\"\", x]}", Place(5, 39, "services[0].healthCheck.command[0]", .invalidValue)),
            ("{type: exec, command: []}", Place(5, 38, "services[0].healthCheck.command", .invalidValue)),
        ])
    func invalidValuePlace(check: String, place: Place) {
        #expect(places("healthCheck: \(check)") == [place])
    }

    // MARK: Keys that do not fit the type

    @Test(
        "a key of another type's probe is refused, naming the types that read it",
        arguments: [
            ("{type: tcp, path: /healthz}", "path", "path applies only to http and https checks; this check is tcp"),
            ("{type: udp, send: a, host: example.org}", "host", "host applies only to http and https checks; this check is udp"),
            (
                "{type: dns, query: example.org, expectedStatus: 200}", "expectedStatus",
                "expectedStatus applies only to http and https checks; this check is dns"
            ),
            (
                "{type: exec, command: [check], bodyContains: ok}", "bodyContains",
                "bodyContains applies only to http and https checks; this check is exec"
            ),
            ("{type: http, send: ping}", "send", "send applies only to udp checks; this check is http"),
            ("{type: https, sendHex: 0a}", "sendHex", "sendHex applies only to udp checks; this check is https"),
            ("{type: dns, query: example.org, expect: pong}", "expect", "expect applies only to udp checks; this check is dns"),
            ("{type: tcp, expectHex: 0a}", "expectHex", "expectHex applies only to udp checks; this check is tcp"),
            ("{type: udp, send: a, query: example.org}", "query", "query applies only to dns checks; this check is udp"),
            ("{type: http, command: [check]}", "command", "command applies only to exec checks; this check is http"),
        ])
    func notApplicable(check: String, key: String, message: String) {
        expectProblem(in: check, .notApplicable, at: key, message)
    }

    @Test("an override's key must fit the type it inherits")
    func overrideKeyForInheritedType() throws {
        let found = try #require(problem("healthCheck: {type: tcp}\nendpoints:\n- {address: 192.0.2.1, healthCheck: {path: /x}}"))
        #expect(found.place == Place(7, 46, "services[0].endpoints[0].healthCheck.path", .notApplicable))
        #expect(found.message == "path applies only to http and https checks; this check is tcp (the service's type)")
    }

    @Test("an override that switches type must fit the new type, and gets nothing type-specific from the service")
    func overrideSwitchedType() throws {
        let found = try #require(
            problem(
                """
                healthCheck: {type: udp, send: ping}
                endpoints:
                - {address: 192.0.2.1, healthCheck: {type: http, expect: pong}}
                """))
        #expect(found.place == Place(7, 60, "services[0].endpoints[0].healthCheck.expect", .notApplicable))
        #expect(found.message == "expect applies only to udp checks; this check is http")
        let missing = try #require(
            problem(
                """
                healthCheck: {type: udp, send: ping}
                endpoints:
                - {address: 192.0.2.1, healthCheck: {type: dns}}
                """))
        #expect(missing.place == Place(7, 39, "services[0].endpoints[0].healthCheck.query", .missingKey))
    }

    @Test("a payload is written once, as text or as hex; the second is refused")
    func payloadTwice() throws {
        let hexSecond = try #require(problem("healthCheck: {type: udp, send: ping, sendHex: 0a}"))
        #expect(hexSecond.place == Place(5, 49, "services[0].healthCheck.sendHex", .notApplicable))
        #expect(hexSecond.message == "give send or sendHex, not both: they are two ways of writing one payload")
        let textSecond = try #require(problem("healthCheck: {type: udp, sendHex: 0a, send: ping}"))
        #expect(textSecond.place == Place(5, 47, "services[0].healthCheck.send", .notApplicable))
        #expect(
            places("healthCheck: {type: tcp, expect: a, expectHex: 0a}").map(\.path)
                == ["services[0].healthCheck.expect", "services[0].healthCheck.expectHex"], "not applicable, not also twice")
    }

    // MARK: Timeout and interval

    @Test("a timeout longer than the interval is refused where the check writes it")
    func timeoutBeyondInterval() throws {
        let both = try #require(problem("healthCheck: {type: tcp, intervalSeconds: 1, timeoutSeconds: 2}"))
        #expect(both.place == Place(5, 64, "services[0].healthCheck.timeoutSeconds", .outOfRange))
        #expect(both.message == "timeoutSeconds 2 is longer than intervalSeconds 1: a probe must end before the next one is due")
        let defaultInterval = try #require(problem("healthCheck: {type: tcp, timeoutSeconds: 10}"))
        #expect(defaultInterval.place == Place(5, 44, "services[0].healthCheck.timeoutSeconds", .outOfRange))
        #expect(
            defaultInterval.message
                == "timeoutSeconds 10 is longer than the default intervalSeconds 5: a probe must end before the next one is due")
        #expect(ConfigTesting.state(yaml("healthCheck: {type: tcp, intervalSeconds: 0.5, timeoutSeconds: 0.5}")) != nil)
    }

    @Test("an override that makes the timeout longer than the interval is refused in the override")
    func overrideTimeoutBeyondInterval() throws {
        let interval = try #require(
            problem(
                """
                healthCheck: {type: tcp, timeoutSeconds: 2}
                endpoints:
                - {address: 192.0.2.1, healthCheck: {intervalSeconds: 1}}
                """))
        #expect(interval.place == Place(7, 57, "services[0].endpoints[0].healthCheck.intervalSeconds", .outOfRange))
        #expect(
            interval.message
                == "intervalSeconds 1 is shorter than the service's timeoutSeconds 2: a probe must end before the next one is due")
        let timeout = try #require(
            problem(
                """
                healthCheck: {type: tcp, intervalSeconds: 10}
                endpoints:
                - {address: 192.0.2.1, healthCheck: {timeoutSeconds: 20}}
                """))
        #expect(timeout.place == Place(7, 56, "services[0].endpoints[0].healthCheck.timeoutSeconds", .outOfRange))
        #expect(
            timeout.message
                == "timeoutSeconds 20 is longer than the service's intervalSeconds 10: a probe must end before the next one is due")
    }

    // MARK: Required keys

    @Test(
        "a type that needs something to probe with requires its key",
        arguments: [
            (
                "udp", "send",
                "required key 'send' is missing: a udp check needs a payload, as text (send) or as hexadecimal bytes (sendHex)"
            ),
            ("dns", "query", "required key 'query' is missing: a dns check needs the name to ask for"),
            ("exec", "command", "required key 'command' is missing: an exec check needs the program to run"),
        ])
    func requiredKeys(type: String, key: String, message: String) throws {
        let found = try #require(problem("healthCheck: {type: \(type)}"))
        #expect(found.place == Place(5, 16, "services[0].healthCheck.\(key)", .missingKey))
        #expect(found.message == message)
    }

    @Test("a panic threshold needs a check on the service or an endpoint")
    func panicThresholdWithoutCheck() throws {
        let found = try #require(problem("panicThreshold: 0.5\nendpoints: [{address: 192.0.2.1}]"))
        #expect(found.place == Place(5, 19, "services[0].panicThreshold", .notApplicable))
        #expect(
            found.message
                == "panicThreshold applies only with a healthCheck, on the service or its endpoints: without one no endpoint ever fails")
    }

    @Test("a firewall-mark service whose packets keep their port needs the check's port")
    func firewallMarkPort() throws {
        let service = try #require(ConfigTesting.problem("services:\n- name: a\n  firewallMark: {mark: 1}\n  healthCheck: {type: tcp}"))
        #expect(service.place == Place(4, 16, "services[0].healthCheck.port", .missingKey))
        #expect(
            service.message
                == "required key 'port' is missing: the service's firewallMark.targetPort is 0 (each packet keeps its own port), so there is no target port to probe"
        )
        let endpoint = try #require(
            ConfigTesting.problem(
                """
                services:
                - name: a
                  firewallMark: {mark: 1, targetPort: 0}
                  endpoints: [{address: 192.0.2.1, healthCheck: {type: tcp}}]
                """))
        #expect(endpoint.place == Place(4, 49, "services[0].endpoints[0].healthCheck.port", .missingKey))
        let inherited = ConfigTesting.problems(
            """
            services:
            - name: a
              firewallMark: {mark: 1}
              healthCheck: {type: tcp}
              endpoints: [{address: 192.0.2.1, healthCheck: {rise: 3}}, {address: 192.0.2.2, healthCheck: {port: 80}}]
            """)
        #expect(inherited.map(\.place) == [Place(4, 16, "services[0].healthCheck.port", .missingKey)], "reported at the service only")
    }

    // MARK: No cascades

    @Test(
        "a problem is not reported again through the rules that depend on it",
        arguments: [
            ("healthCheck: {type: grpc, path: /x}", [Place(5, 23, "services[0].healthCheck.type", .invalidValue)]),
            ("healthCheck: {port: 8080, path: /x}", [Place(5, 16, "services[0].healthCheck.type", .missingKey)]),
            (
                "healthCheck: tcp\nendpoints: [{address: 192.0.2.1, healthCheck: {port: 8080}}]",
                [Place(5, 16, "services[0].healthCheck", .wrongType)]
            ),
            (
                "healthCheck: {type: tcp, intervalSeconds: 0x10, timeoutSeconds: 20}",
                [Place(5, 45, "services[0].healthCheck.intervalSeconds", .wrongType)]
            ),
            ("healthCheck: {type: udp, sendHex: abc}", [Place(5, 37, "services[0].healthCheck.sendHex", .invalidValue)]),
            ("healthCheck: {send: x}\npanicThreshold: 0.5", [Place(5, 16, "services[0].healthCheck.type", .missingKey)]),
            ("healthCheck: {type: tcp}\npanicThreshold: 2", [Place(6, 19, "services[0].panicThreshold", .outOfRange)]),
        ])
    func noCascade(fields: String, expected: [Place]) {
        #expect(places(fields) == expected)
    }

    @Test("a refused firewall-mark targetPort is not also a missing check port")
    func noCascadeFromTargetPort() {
        #expect(
            ConfigTesting.problems("services:\n- name: a\n  firewallMark: {mark: 1, targetPort: 70000}\n  healthCheck: {type: tcp}")
                .map(\.place) == [Place(3, 39, "services[0].firewallMark.targetPort", .outOfRange)])
    }

    @Test("every problem of a file's checks is reported at once, in file order")
    func allAtOnce() {
        #expect(
            places(
                """
                panicThreshold: 2
                healthCheck:
                  type: https
                  command: [x]
                  rise: 0
                endpoints:
                - address: 192.0.2.1
                  healthCheck:
                    type: exec
                    intervalSeconds: 0
                """) == [
                    Place(5, 19, "services[0].panicThreshold", .outOfRange),
                    Place(8, 14, "services[0].healthCheck.command", .notApplicable),
                    Place(9, 11, "services[0].healthCheck.rise", .outOfRange),
                    Place(13, 7, "services[0].endpoints[0].healthCheck.command", .missingKey),
                    Place(14, 24, "services[0].endpoints[0].healthCheck.intervalSeconds", .outOfRange),
                ])
    }
}
