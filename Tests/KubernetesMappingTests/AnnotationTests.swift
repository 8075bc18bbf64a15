import IPVSCore
import KubernetesAPI
import KubernetesMapping
import Testing

/// Our annotations: each overrides one default; a bad one is reported and the default stays.
struct AnnotationTests {
    static func mapped(
        _ annotations: [String: String], ports: [KubernetesService.Port] = [Build.tcp("http", 80)],
        defaults: ServiceDefaults = ServiceDefaults()
    ) -> (ServiceSpec?, [AnnotationProblem]) {
        let result = Build.map(
            [Build.service(ports: ports, annotations: annotations)],
            [
                Build.slice(
                    "s", ports: ports.map { Build.port($0.name, $0.port, protocol: $0.protocol) },
                    endpoints: [Build.endpoint("10.0.0.1")])
            ],
            defaults: defaults)
        return (result.service("ns/svc"), result.annotationProblems)
    }

    static func key(_ annotation: ServiceAnnotation) -> String { annotation.key }

    @Test("scheduler, flags, forwarding, drain, panic threshold")
    func goodSettings() {
        let (spec, problems) = Self.mapped([
            Self.key(.scheduler): "sh", Self.key(.schedulerFlags): "sh-fallback, sh-port",
            Self.key(.drainSeconds): "45", Self.key(.panicThreshold): "0.25",
        ])
        #expect(problems.isEmpty)
        #expect(spec?.scheduler == .sourceHashing)
        #expect(spec?.schedulerFlags == [.sourceHashFallback, .sourceHashPort])
        #expect(spec?.drainSeconds == 45)
        #expect(spec?.panicThreshold == 0.25)
    }

    @Test("direct routing where endpoints listen on the Service port")
    func directRoute() {
        let (spec, problems) = Self.mapped([Self.key(.forwarding): "direct-route"], ports: [Build.tcp("http", 8080)])
        #expect(problems.isEmpty)
        #expect(spec?.forwarding == .directRoute)
    }

    @Test("direct routing that would need port translation: reported, masquerade is used")
    func directRouteNeedsTranslation() {
        let ports = [Build.tcp("http", 80)]
        let result = Build.map(
            [Build.service(ports: ports, annotations: [Self.key(.forwarding): "tunnel"])],
            [Build.slice("s", endpoints: [Build.endpoint("10.0.0.1")])])
        #expect(result.service("ns/svc")?.forwarding == .masquerade)
        #expect(result.annotationProblems.map(\.annotation) == [Self.key(.forwarding)])
        let byDefault = Build.map(
            [Build.service(ports: ports)], [Build.slice("s", endpoints: [Build.endpoint("10.0.0.1")])],
            defaults: ServiceDefaults(forwarding: .directRoute))
        #expect(byDefault.service("ns/svc")?.forwarding == .masquerade)
        #expect(byDefault.annotationProblems.map(\.value) == ["(absent: the agent's default)"])
    }

    @Test(
        "bad values: each reported on its Service, each falling back to the default",
        arguments: [
            (ServiceAnnotation.scheduler, "round-robin"), (.schedulerFlags, "mh-port"), (.schedulerFlags, "turbo"),
            (.schedulerFlags, "one-packet"), (.forwarding, "nat"), (.drainSeconds, "-1"), (.drainSeconds, "1w"),
            (.panicThreshold, "2"), (.healthCheck, "exec"), (.healthCheck, "icmp"),
        ])
    func badValue(_ annotation: ServiceAnnotation, value: String) {
        let defaults = ServiceDefaults(scheduler: .weightedLeastConnection, drainSeconds: 10, panicThreshold: 0.5)
        let (spec, problems) = Self.mapped([annotation.key: value], defaults: defaults)
        #expect(problems.map(\.annotation) == [annotation.key])
        #expect(problems.first?.service == "ns/svc" && problems.first?.value == value)
        #expect(spec?.scheduler == .weightedLeastConnection)
        #expect(spec?.schedulerFlags == [])
        #expect(spec?.forwarding == .masquerade)
        #expect(spec?.drainSeconds == 10)
        #expect(spec?.panicThreshold == 0.5)
        #expect(spec?.healthCheck == nil)
    }

    @Test("an unknown key under our prefix is reported; other prefixes are none of our business")
    func unknownKey() {
        let (_, problems) = Self.mapped(["ipvsctl-swift.io/schedular": "rr", "kube-router.io/service.scheduler": "mh"])
        #expect(problems.map(\.annotation) == ["ipvsctl-swift.io/schedular"])
    }

    @Test("an http check with its settings")
    func httpCheck() {
        let (spec, problems) = Self.mapped([
            Self.key(.healthCheck): "https", Self.key(.healthCheckPath): "/healthz", Self.key(.healthCheckPort): "8081",
            Self.key(.healthCheckExpectedStatus): "200-299", Self.key(.healthCheckIntervalSeconds): "1.5",
            Self.key(.healthCheckTimeoutSeconds): "0.5", Self.key(.healthCheckRise): "1", Self.key(.healthCheckFall): "5",
        ])
        #expect(problems.isEmpty)
        let expected = HealthCheck(
            probe: .http(.init(secure: true, path: "/healthz", expectedStatus: 200...299)), port: 8081,
            interval: .milliseconds(1500), timeout: .milliseconds(500), rise: 1, fall: 5)
        #expect(spec?.healthCheck == expected)
        #expect(spec?.endpoints.first?.healthCheck == expected)
    }

    @Test("a dns check needs its query; a udp check its payload")
    func probesNeedTheirKeys() {
        let (dns, dnsProblems) = Self.mapped([Self.key(.healthCheck): "dns", Self.key(.healthCheckQuery): "cluster.example.org."])
        #expect(dnsProblems.isEmpty)
        #expect(dns?.healthCheck?.probe == .udp(.dns(name: "cluster.example.org.")))
        let (udp, udpProblems) = Self.mapped([Self.key(.healthCheck): "udp"])
        #expect(udpProblems.map(\.annotation) == [Self.key(.healthCheck)])
        #expect(udp?.healthCheck?.probe == .tcp)
    }

    @Test("a udp check with its payload and expected reply; the default http check given a path")
    func udpAndRefinedDefault() {
        let (udp, problems) = Self.mapped([
            Self.key(.healthCheck): "udp", Self.key(.healthCheckSend): "ping",
            Self.key(.healthCheckExpect): "pong",
        ])
        #expect(problems.isEmpty)
        #expect(udp?.healthCheck?.probe == .udp(.payload(send: Array("ping".utf8), expect: Array("pong".utf8))))
        let (http, none) = Self.mapped(
            [Self.key(.healthCheckPath): "/ready"],
            defaults: ServiceDefaults(healthCheck: HealthCheck(probe: .http(.init()))))
        #expect(none.isEmpty)
        #expect(http?.healthCheck?.probe == .http(.init(path: "/ready")))
    }

    @Test("bad check settings: reported, each setting keeps its default")
    func badCheckSettings() {
        let (spec, problems) = Self.mapped([
            Self.key(.healthCheck): "http", Self.key(.healthCheckPath): "healthz", Self.key(.healthCheckRise): "0",
            Self.key(.healthCheckIntervalSeconds): "1", Self.key(.healthCheckTimeoutSeconds): "3",
            Self.key(.healthCheckQuery): "example.org",
        ])
        #expect(
            problems.map(\.annotation).sorted()
                == [
                    Self.key(.healthCheckPath), Self.key(.healthCheckQuery),
                    Self.key(.healthCheckRise), Self.key(.healthCheckTimeoutSeconds),
                ].sorted())
        #expect(spec?.healthCheck == HealthCheck(probe: .http(.init()), interval: .seconds(1), timeout: .seconds(1)))
    }

    @Test("check settings refine the agent's default check; without any check they are reported")
    func refinements() {
        let (refined, none) = Self.mapped(
            [Self.key(.healthCheckPort): "9000"],
            defaults: ServiceDefaults(healthCheck: HealthCheck(probe: .tcp)))
        #expect(none.isEmpty)
        #expect(refined?.healthCheck == HealthCheck(probe: .tcp, port: 9000))
        let (unchecked, problems) = Self.mapped([Self.key(.healthCheckPort): "9000"])
        #expect(unchecked?.healthCheck == nil)
        #expect(problems.map(\.annotation) == [Self.key(.healthCheckPort)])
    }
}
