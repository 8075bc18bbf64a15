import Foundation
import IPVSDaemon
import Testing

#if canImport(Glibc)
    import Glibc
#endif

@Suite("health check node ports")
struct HealthCheckPortServersTests {
    static func servers() -> HealthCheckPortServers {
        HealthCheckPortServers(host: "127.0.0.1", logger: quietLogger)
    }

    /// kube-proxy's health body, read back with a JSON parser.
    struct Body: Equatable {
        var namespace: String
        var name: String
        var localEndpoints: Int
        var serviceProxyHealthy = true
    }

    static func decode(_ response: TestHTTPClient.Response) throws -> Body {
        let object = try #require(try JSONSerialization.jsonObject(with: Data(response.body)) as? [String: Any])
        #expect(Set(object.keys) == ["service", "localEndpoints", "serviceProxyHealthy"])
        let service = try #require(object["service"] as? [String: Any])
        #expect(Set(service.keys) == ["namespace", "name"])
        return Body(
            namespace: try #require(service["namespace"] as? String), name: try #require(service["name"] as? String),
            localEndpoints: try #require(object["localEndpoints"] as? Int),
            serviceProxyHealthy: try #require(object["serviceProxyHealthy"] as? Bool))
    }

    /// GET / on `port`, decoded.
    static func body(port: UInt16) async throws -> Body {
        try decode(try await TestHTTPClient.request("/", port: Int(port)))
    }

    @Test("200 with local endpoints, 503 without, on any path, in kube-proxy's JSON")
    func answers() async throws {
        let servers = Self.servers()
        let (serving, empty) = (try unusedPort(), try unusedPort())
        try await withServices([servers]) { _ in
            let failures = await servers.update([
                serving: HealthPortStatus(serviceName: "shop/web", localEndpoints: 2),
                empty: HealthPortStatus(serviceName: "shop/db", localEndpoints: 0),
            ])
            #expect(failures.isEmpty)
            #expect(servers.listeningPorts == [serving, empty])

            let ok = try await TestHTTPClient.request("/healthz", port: Int(serving))
            #expect(ok.status == 200)
            #expect(ok.headers["content-type"] == "application/json")
            #expect(ok.headers["x-content-type-options"] == "nosniff")
            let okBody = try Self.decode(ok)
            #expect(okBody == Body(namespace: "shop", name: "web", localEndpoints: 2))

            let unavailable = try await TestHTTPClient.request("/", port: Int(empty))
            #expect(unavailable.status == 503)
            #expect(unavailable.headers["content-type"] == "application/json")
            #expect(unavailable.headers["x-content-type-options"] == "nosniff")
            let unavailableBody = try Self.decode(unavailable)
            #expect(unavailableBody == Body(namespace: "shop", name: "db", localEndpoints: 0))
        }
    }

    @Test("a name without a slash has the empty namespace; odd characters stay valid JSON")
    func namesWithoutNamespace() async throws {
        let servers = Self.servers()
        let (plain, odd) = (try unusedPort(), try unusedPort())
        try await withServices([servers]) { _ in
            await servers.update([
                plain: HealthPortStatus(serviceName: "web", localEndpoints: 1),
                odd: HealthPortStatus(serviceName: "a\"b/c\\d\n", localEndpoints: 1),
            ])
            let plainBody = try await Self.body(port: plain)
            #expect(plainBody == Body(namespace: "", name: "web", localEndpoints: 1))
            let oddBody = try await Self.body(port: odd)
            #expect(oddBody == Body(namespace: "a\"b", name: "c\\d\n", localEndpoints: 1))
        }
    }

    @Test("an update switches the answer of a port that stays open")
    func updateSwitchesAnswer() async throws {
        let servers = Self.servers()
        let port = try unusedPort()
        try await withServices([servers]) { _ in
            await servers.update([port: HealthPortStatus(serviceName: "ns/web", localEndpoints: 3)])
            let before = try await TestHTTPClient.request("/", port: Int(port))
            #expect(before.status == 200)
            #expect(try Self.decode(before).localEndpoints == 3)

            await servers.update([port: HealthPortStatus(serviceName: "ns/web", localEndpoints: 0)])
            let after = try await TestHTTPClient.request("/", port: Int(port))
            #expect(after.status == 503)
            #expect(try Self.decode(after).localEndpoints == 0)

            await servers.update([port: HealthPortStatus(serviceName: "ns/web", localEndpoints: 1)])
            let restored = try await TestHTTPClient.request("/", port: Int(port))
            #expect(restored.status == 200)
        }
    }

    @Test("a port removed by an update is closed: connections are refused")
    func removalClosesPort() async throws {
        let servers = Self.servers()
        let (kept, removed) = (try unusedPort(), try unusedPort())
        try await withServices([servers]) { _ in
            await servers.update([
                kept: HealthPortStatus(serviceName: "ns/kept", localEndpoints: 1),
                removed: HealthPortStatus(serviceName: "ns/removed", localEndpoints: 1),
            ])
            #expect(await TestHTTPClient.connectError(port: Int(removed)) == nil)

            await servers.update([kept: HealthPortStatus(serviceName: "ns/kept", localEndpoints: 1)])
            #expect(servers.listeningPorts == [kept])
            #expect(await TestHTTPClient.connectError(port: Int(removed)) == ECONNREFUSED)
            let stillOpen = try await TestHTTPClient.request("/", port: Int(kept))
            #expect(stillOpen.status == 200)
        }
    }

    @Test("a port that cannot be bound is reported, the others open, and it is retried on the next update")
    func bindFailureIsRetried() async throws {
        let servers = Self.servers()
        // Not an ephemeral port: another test's outgoing connection could hold it once released.
        let taken = try TestListener(port: try unusedPort())
        let (busy, free) = (taken.port, try unusedPort())
        let ports = [
            busy: HealthPortStatus(serviceName: "ns/busy", localEndpoints: 1),
            free: HealthPortStatus(serviceName: "ns/free", localEndpoints: 1),
        ]
        try await withServices([servers]) { _ in
            let failures = await servers.update(ports)
            #expect(failures.map(\.port) == [busy])
            #expect(failures.first?.serviceName == "ns/busy")
            #expect(failures.first?.error.code == .bindFailed)
            #expect(failures.first?.error.errno == EADDRINUSE)
            #expect(servers.listeningPorts == [free])
            let opened = try await TestHTTPClient.request("/", port: Int(free))
            #expect(opened.status == 200)

            taken.release()  // the other program lets the port go
            // A program another test started at that moment holds a copy of the socket until
            // its exec closes it (close-on-exec): the port is free once that has happened.
            try await waitUntilFree(busy)
            let retried = await servers.update(ports)
            #expect(retried.isEmpty, "\(retried)")
            #expect(servers.listeningPorts == [busy, free])
            let busyBody = try await Self.body(port: busy)
            #expect(busyBody.name == "busy")
        }
    }

    @Test("graceful shutdown closes every port and run returns; later updates open nothing")
    func shutdown() async throws {
        let servers = Self.servers()
        let (first, second) = (try unusedPort(), try unusedPort())
        let ports = [
            first: HealthPortStatus(serviceName: "ns/a", localEndpoints: 1),
            second: HealthPortStatus(serviceName: "ns/b", localEndpoints: 0),
        ]
        try await withServices([servers]) { _ in
            #expect(await servers.update(ports).isEmpty)
            #expect(await TestHTTPClient.connectError(port: Int(first)) == nil)
        }
        #expect(await TestHTTPClient.connectError(port: Int(first)) == ECONNREFUSED)
        #expect(await TestHTTPClient.connectError(port: Int(second)) == ECONNREFUSED)
        #expect(await servers.update(ports).isEmpty)
        #expect(servers.listeningPorts.isEmpty)
    }

    @Test("without a host the ports listen on every address, IPv4 included")
    func everyAddress() async throws {
        let servers = HealthCheckPortServers(logger: quietLogger)
        let port = try unusedPort()
        try await withServices([servers]) { _ in
            #expect(await servers.update([port: HealthPortStatus(serviceName: "ns/web", localEndpoints: 1)]).isEmpty)
            let overIPv4 = try await TestHTTPClient.request("/", host: "127.0.0.1", port: Int(port))
            #expect(overIPv4.status == 200)
            let overIPv6 = try await TestHTTPClient.request("/", host: "::1", port: Int(port))
            #expect(overIPv6.status == 200)
        }
    }
}
