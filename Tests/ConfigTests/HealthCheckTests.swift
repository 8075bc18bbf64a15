import Config
import IPVSCore
import Testing

/// Health checks as the file declares them: how each key maps to the model, the defaults, and
/// the effective check each endpoint carries once its override is applied.
struct HealthCheckTests {
    /// A one-service file: a valid service with `fields` after its name, VIP and port.
    private func service(_ fields: String, sourceLocation: SourceLocation = #_sourceLocation) -> ServiceSpec? {
        ConfigTesting.service(
            "name: web\nclusterIPs: [198.51.100.1]\nports: [{port: 80, targetPort: 8080}]\n" + fields,
            sourceLocation: sourceLocation)
    }

    private func address(_ text: String) -> IPAddress { IPAddress(text)! }

    @Test("a check with only its type gets every documented default, on the service and each endpoint")
    func defaults() throws {
        let spec = try #require(
            service(
                """
                healthCheck: {type: tcp}
                endpoints: [{address: 192.0.2.1}, {address: 192.0.2.2}]
                """))
        let expected = HealthCheck(
            probe: .tcp, port: nil, interval: .seconds(5), jitter: 0.1, timeout: .seconds(2),
            rise: 2, fall: 3, initiallyHealthy: false)
        #expect(spec.healthCheck == expected)
        #expect(spec.endpoints.map(\.healthCheck) == [expected, expected])
        #expect(spec.panicThreshold == nil)
    }

    @Test("without a check anywhere, neither the service nor its endpoints carry one")
    func noCheck() throws {
        let spec = try #require(service("endpoints: [{address: 192.0.2.1}]\nhealthCheck: null"))
        #expect(spec.healthCheck == nil)
        #expect(spec.endpoints.map(\.healthCheck) == [nil])
    }

    @Test(
        "each type maps to its probe, with the HTTP defaults where keys are left out",
        arguments: [
            ("{type: tcp}", HealthCheck.Probe.tcp),
            (
                "{type: http}",
                .http(HealthCheck.HTTPProbe(secure: false, path: "/", host: nil, expectedStatus: 200...399, bodyContains: nil))
            ),
            (
                "{type: https}",
                .http(HealthCheck.HTTPProbe(secure: true, path: "/", host: nil, expectedStatus: 200...399, bodyContains: nil))
            ),
            (
                "{type: http, path: /healthz?full=1, host: example.org, expectedStatus: 204, bodyContains: ok}",
                .http(HealthCheck.HTTPProbe(path: "/healthz?full=1", host: "example.org", expectedStatus: 204...204, bodyContains: "ok"))
            ),
            (
                "{type: https, host: \"example.org:8443\", expectedStatus: 200-299}",
                .http(HealthCheck.HTTPProbe(secure: true, host: "example.org:8443", expectedStatus: 200...299))
            ),
            ("{type: udp, send: ping}", .udp(.payload(send: Array("ping".utf8), expect: nil))),
            ("{type: udp, send: ping, expect: pong}", .udp(.payload(send: Array("ping".utf8), expect: Array("pong".utf8)))),
            ("{type: udp, sendHex: 0a0B, expectHex: ff}", .udp(.payload(send: [0x0A, 0x0B], expect: [0xFF]))),
            ("{type: udp, sendHex: 1234}", .udp(.payload(send: [0x12, 0x34], expect: nil))),
            ("{type: dns, query: example.org}", .udp(.dns(name: "example.org"))),
            ("{type: dns, query: _sip._udp.example.org.}", .udp(.dns(name: "_sip._udp.example.org."))),
            (
                "{type: exec, command: [/usr/local/bin/check, --fast]}",
                .exec(HealthCheck.ExecProbe(command: ["/usr/local/bin/check", "--fast"]))
            ),
            ("{type: exec, command: [check]}", .exec(HealthCheck.ExecProbe(command: ["check"]))),
        ])
    func probes(check: String, probe: HealthCheck.Probe) throws {
        let spec = try #require(service("healthCheck: \(check)"))
        #expect(spec.healthCheck?.probe == probe)
    }

    @Test("every key common to all types maps to its field; durations keep their decimals")
    func commonKeys() throws {
        let spec = try #require(
            service(
                """
                healthCheck:
                  type: tcp
                  port: 9000
                  intervalSeconds: 0.5
                  timeoutSeconds: .25
                  jitter: 0
                  rise: 1
                  fall: 100
                  initiallyHealthy: true
                """))
        #expect(
            spec.healthCheck
                == HealthCheck(
                    probe: .tcp, port: 9000, interval: .milliseconds(500), jitter: 0,
                    timeout: .milliseconds(250), rise: 1, fall: 100, initiallyHealthy: true))
    }

    @Test(
        "the default timeout is 2 seconds, or the interval when that is shorter",
        arguments: [
            ("intervalSeconds: 1", Duration.seconds(1), Duration.seconds(1)),
            ("intervalSeconds: 0.5", .milliseconds(500), .milliseconds(500)),
            ("intervalSeconds: 2", .seconds(2), .seconds(2)),
            ("intervalSeconds: 10", .seconds(10), .seconds(2)),
            ("timeoutSeconds: 5", .seconds(5), .seconds(5)),
            ("intervalSeconds: 0.001", .milliseconds(1), .milliseconds(1)),
            ("intervalSeconds: 86400\n  timeoutSeconds: 86400", .seconds(86400), .seconds(86400)),
        ])
    func timeoutDefault(keys: String, interval: Duration, timeout: Duration) throws {
        let spec = try #require(service("healthCheck:\n  type: tcp\n  \(keys)"))
        #expect(spec.healthCheck?.interval == interval)
        #expect(spec.healthCheck?.timeout == timeout)
    }

    @Test(
        "the edges of each range are accepted",
        arguments: [
            "{type: tcp, jitter: 1, rise: 100, fall: 1, port: 65535}",
            "{type: tcp, jitter: 0.0, rise: 1, fall: 100, port: 1}",
            "{type: http, expectedStatus: 100-599}",
            "{type: http, expectedStatus: 599}",
            "{type: http, expectedStatus: 301-301}",
            "{type: dns, query: \(String(repeating: "a", count: 63)).example.org}",
        ])
    func rangeEdges(check: String) {
        #expect(service("healthCheck: \(check)") != nil)
    }

    // MARK: Endpoint overrides

    @Test("an override replaces the keys it writes and inherits the others")
    func overrideInherits() throws {
        let spec = try #require(
            service(
                """
                healthCheck: {type: http, port: 8081, path: /healthz, intervalSeconds: 10, fall: 5}
                endpoints:
                - {address: 192.0.2.1}
                - {address: 192.0.2.2, healthCheck: {port: 9090, rise: 4}}
                - {address: 192.0.2.3, healthCheck: {host: example.org, initiallyHealthy: true}}
                - {address: 192.0.2.4, healthCheck: {}}
                """))
        let inherited = HealthCheck(probe: .http(HealthCheck.HTTPProbe(path: "/healthz")), port: 8081, interval: .seconds(10), fall: 5)
        var second = inherited
        second.port = 9090
        second.rise = 4
        var third = inherited
        third.probe = .http(HealthCheck.HTTPProbe(path: "/healthz", host: "example.org"))
        third.initiallyHealthy = true
        #expect(spec.healthCheck == inherited)
        #expect(spec.endpoints.map(\.healthCheck) == [inherited, second, third, inherited])
    }

    @Test("switching the type keeps the common keys and drops the service's type-specific ones")
    func overrideSwitchesType() throws {
        let spec = try #require(
            service(
                """
                healthCheck: {type: http, port: 8081, path: /healthz, expectedStatus: 200, intervalSeconds: 10}
                endpoints:
                - {address: 192.0.2.1, healthCheck: {type: https}}
                - {address: 192.0.2.2, healthCheck: {type: tcp}}
                - {address: 192.0.2.3, healthCheck: {type: dns, query: example.org, port: 53}}
                - {address: 192.0.2.4, healthCheck: {type: https, path: /ready}}
                """))
        #expect(
            spec.endpoints.map(\.healthCheck) == [
                HealthCheck(probe: .http(HealthCheck.HTTPProbe(secure: true)), port: 8081, interval: .seconds(10)),
                HealthCheck(probe: .tcp, port: 8081, interval: .seconds(10)),
                HealthCheck(probe: .udp(.dns(name: "example.org")), port: 53, interval: .seconds(10)),
                HealthCheck(probe: .http(HealthCheck.HTTPProbe(secure: true, path: "/ready")), port: 8081, interval: .seconds(10)),
            ])
    }

    @Test("on a service without a check, an endpoint's override is its whole check and the others have none")
    func overrideWithoutServiceCheck() throws {
        let spec = try #require(
            service(
                """
                endpoints:
                - {address: 192.0.2.1, healthCheck: {type: tcp, port: 9000}}
                - {address: 192.0.2.2}
                """))
        #expect(spec.healthCheck == nil)
        #expect(spec.endpoints.map(\.healthCheck) == [HealthCheck(probe: .tcp, port: 9000), nil])
    }

    @Test("an override's interval shortens the default timeout it inherits, not a timeout the service wrote")
    func overrideTimeoutDefault() throws {
        let defaulted = try #require(
            service(
                """
                healthCheck: {type: tcp, intervalSeconds: 10}
                endpoints: [{address: 192.0.2.1, healthCheck: {intervalSeconds: 1}}]
                """))
        #expect(defaulted.endpoints.first?.healthCheck?.timeout == .seconds(1))
        #expect(defaulted.healthCheck?.timeout == .seconds(2))
        let written = try #require(
            service(
                """
                healthCheck: {type: tcp, timeoutSeconds: 1.5}
                endpoints: [{address: 192.0.2.1, healthCheck: {intervalSeconds: 1.5}}]
                """))
        #expect(written.endpoints.first?.healthCheck?.timeout == .milliseconds(1500))
    }

    @Test("a check shared through a YAML anchor gives the same check everywhere")
    func anchoredCheck() throws {
        let state = try #require(
            ConfigTesting.state(
                """
                x-check: &check {type: http, path: /healthz}
                services:
                - name: a
                  clusterIPs: [198.51.100.1]
                  ports: [{port: 80}]
                  healthCheck: *check
                - name: b
                  clusterIPs: [198.51.100.2]
                  ports: [{port: 80}]
                  healthCheck: {<<: *check, port: 8080}
                """))
        let check = HealthCheck(probe: .http(HealthCheck.HTTPProbe(path: "/healthz")))
        var withPort = check
        withPort.port = 8080
        #expect(state.services.map(\.healthCheck) == [check, withPort])
    }

    // MARK: Panic threshold and ports

    @Test(
        "panicThreshold maps to the service, with a check on the service or on an endpoint",
        arguments: [
            ("panicThreshold: 0.5\nhealthCheck: {type: tcp}", 0.5),
            ("panicThreshold: 0\nhealthCheck: {type: tcp}", 0),
            ("panicThreshold: 1\nhealthCheck: {type: tcp}", 1),
            ("panicThreshold: 0.25\nendpoints: [{address: 192.0.2.1, healthCheck: {type: tcp}}]", 0.25),
        ])
    func panicThreshold(fields: String, threshold: Double) throws {
        let spec = try #require(service(fields))
        #expect(spec.panicThreshold == threshold)
    }

    @Test(
        "a check needs no port where the service has a target port to default to",
        arguments: [
            "firewallMark: {mark: 1, targetPort: 8080}\nhealthCheck: {type: tcp}",
            "firewallMark: {mark: 1}\nports: [{port: 80, nodePort: 30080}]\nhealthCheck: {type: tcp}",
            "ports: [{port: 80, nodePort: 30080}]\nhealthCheck: {type: tcp}",
            "firewallMark: {mark: 1}\nhealthCheck: {type: tcp, port: 8080}",
            "firewallMark: {mark: 1}\nendpoints: [{address: 192.0.2.1, healthCheck: {type: tcp, port: 8080}}]",
        ])
    func portDefault(fields: String) throws {
        let spec = try #require(ConfigTesting.service("name: a\n" + fields))
        #expect(spec.healthCheck != nil || spec.endpoints.first?.healthCheck != nil)
    }
}
