import Foundation
import KubernetesAPI
import Synchronization
import Testing

@testable import KubernetesClient

@Suite struct TransportTests {
    @Test func aPagedListFollowsContinueTokens() async throws {
        let server = try await ScriptedAPIServer.start { request, index in
            request.query["continue"] == nil
                ? .json(
                    status: 200,
                    body: APIJSON.list(
                        [APIJSON.pod("a", resourceVersion: "1"), APIJSON.pod("b", resourceVersion: "2")],
                        resourceVersion: "50", continue: "next page/1"))
                : .json(status: 200, body: APIJSON.list([APIJSON.pod("c", resourceVersion: "3")], resourceVersion: "50"))
        }
        defer { Task { await server.stop() } }
        let client = try makeClient(for: server)
        let list = try await client.listAll(
            TestPod.self, selector: ObjectSelector(labelSelector: "!service.kubernetes.io/headless"),
            pageSize: 2)
        try await client.shutdown()

        #expect(list.items.map(\.metadata.name) == ["a", "b", "c"])
        #expect(list.resourceVersion == "50")
        let requests = server.requests
        #expect(requests.count == 2)
        #expect(requests[0].path == "/api/v1/testpods")
        #expect(requests[0].query == ["limit": "2", "labelSelector": "!service.kubernetes.io/headless"])
        #expect(requests[1].query["continue"] == "next page/1")
        #expect(requests[1].query["resourceVersion"] == nil)
        #expect(requests.allSatisfy { $0.accept == "application/json" && $0.authorization == "Bearer test-token" })
    }

    @Test func listAllStartsOverWhenTheContinueTokenExpires() async throws {
        let server = try await ScriptedAPIServer.start { request, index in
            switch index {
            case 1: .json(status: 410, body: APIJSON.status(410, reason: "Expired", message: "continue token too old"))
            case 0, 2:
                .json(status: 200, body: APIJSON.list([APIJSON.pod("a", resourceVersion: "1")], resourceVersion: "60", continue: "c1"))
            default: .json(status: 200, body: APIJSON.list([APIJSON.pod("b", resourceVersion: "2")], resourceVersion: "60"))
            }
        }
        defer { Task { await server.stop() } }
        let client = try makeClient(for: server)
        let list = try await client.listAll(TestPod.self, pageSize: 1)
        try await client.shutdown()
        #expect(list.items.map(\.metadata.name) == ["a", "b"])
        #expect(server.requests.map { $0.query["continue"] ?? "-" } == ["-", "c1", "-", "c1"])
    }

    @Test func anItemThatDoesNotDecodeIsRejectedAndTheRestArrives() async throws {
        let server = try await ScriptedAPIServer.start { _, _ in
            .json(
                status: 200,
                body: APIJSON.list(
                    [APIJSON.pod("a", resourceVersion: "1"), APIJSON.badPod("bad", resourceVersion: "2")],
                    resourceVersion: "9"))
        }
        defer { Task { await server.stop() } }
        let client = try makeClient(for: server)
        let page = try await client.list(TestPod.self, query: ListQuery(resourceVersion: "0"))
        try await client.shutdown()
        #expect(page.items.map(\.metadata.name) == ["a"])
        #expect(page.rejected.map(\.key) == ["default/bad"])
        #expect(server.requests.first?.query == ["resourceVersion": "0"])
    }

    @Test(arguments: [
        (403, APIJSON.status(403, reason: "Forbidden", message: "testpods is forbidden"), false),
        (410, APIJSON.status(410, reason: "Expired", message: "too old resource version"), true),
        (502, "<html>bad gateway</html>", false),
    ])
    func anErrorAnswerIsATypedError(code: Int, body: String, expired: Bool) async throws {
        let server = try await ScriptedAPIServer.start { _, _ in .json(status: code, body: body) }
        defer { Task { await server.stop() } }
        let client = try makeClient(for: server)
        defer { Task { try await client.shutdown() } }
        do {
            _ = try await client.list(TestPod.self, query: ListQuery())
            Issue.record("no error")
        } catch let error as KubernetesAPIError {
            #expect(error.code == .httpStatus)
            #expect(error.httpStatus == code)
            #expect(error.isExpired == expired)
            #expect((error.status != nil) == body.hasPrefix("{"))
            #expect(error.request == "/api/v1/testpods")
        }
    }

    @Test func aWatchDecodesLineByLineAcrossChunks() async throws {
        let lines = [
            APIJSON.event("ADDED", APIJSON.pod("a", resourceVersion: "11")),
            "",
            APIJSON.bookmark("20"),
            "this is not JSON",
            APIJSON.event("MODIFIED", APIJSON.badPod("b", resourceVersion: "21")),
            APIJSON.event("DELETED", APIJSON.pod("a", resourceVersion: "22")),
        ].joined(separator: "\n")
        // Cut every 7 bytes, so that lines straddle chunks; the last line has no newline.
        let bytes = Array(lines.utf8)
        let chunks = stride(from: 0, to: bytes.count, by: 7).map {
            String(decoding: bytes[$0..<min($0 + 7, bytes.count)], as: UTF8.self)
        }
        let server = try await ScriptedAPIServer.start { _, _ in .stream(chunks: chunks, pause: .milliseconds(1), ending: .finish) }
        defer { Task { await server.stop() } }
        let client = try makeClient(for: server)
        var seen: [String] = []
        for try await event in try await client.watch(TestPod.self, query: WatchQuery(resourceVersion: "10", timeoutSeconds: 30)) {
            switch event {
            case .added(let pod): seen.append("added \(pod.metadata.name)")
            case .deleted(let pod): seen.append("deleted \(pod.metadata.name)")
            case .bookmark(let version): seen.append("bookmark \(version)")
            case .rejected(let type, let rejected): seen.append("rejected \(type) \(rejected.key ?? "?")")
            default: seen.append("other \(event.typeName)")
            }
        }
        try await client.shutdown()
        #expect(seen == ["added a", "bookmark 20", "rejected UNDECODABLE ?", "rejected MODIFIED default/b", "deleted a"])
        #expect(
            server.requests.first?.query == [
                "watch": "1", "allowWatchBookmarks": "true", "resourceVersion": "10",
                "timeoutSeconds": "30",
            ])
    }

    @Test func aWatchRefusedWithGoneIsExpired() async throws {
        let server = try await ScriptedAPIServer.start { _, _ in
            .json(status: 410, body: APIJSON.status(410, reason: "Gone", message: "too old"))
        }
        defer { Task { await server.stop() } }
        let client = try makeClient(for: server)
        defer { Task { try await client.shutdown() } }
        await #expect { _ = try await client.watch(TestPod.self, query: WatchQuery(resourceVersion: "1")) } throws: {
            ($0 as? KubernetesAPIError)?.isExpired == true
        }
    }

    @Test func a401ReReadsTheTokenFileAndTriesOnceMore() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let tokenPath = try directory.write("token", "old-token")
        let accepted = Mutex("Bearer old-token")
        let server = try await ScriptedAPIServer.start { request, _ in
            request.authorization == accepted.withLock { $0 }
                ? .json(status: 200, body: APIJSON.list([], resourceVersion: "1"))
                : .json(status: 401, body: APIJSON.status(401, reason: "Unauthorized"))
        }
        defer { Task { await server.stop() } }
        var configuration = KubernetesHTTPClient.Configuration()
        configuration.tokenRecheckInterval = .seconds(3600)
        let client = try makeClient(for: server, token: .file(path: tokenPath), configuration: configuration)
        defer { Task { try await client.shutdown() } }
        _ = try await client.list(TestPod.self, query: ListQuery())

        // The kubelet rotates the token and the server stops taking the old one.
        try directory.write("token", "new-token")
        accepted.withLock { $0 = "Bearer new-token" }
        _ = try await client.list(TestPod.self, query: ListQuery())
        #expect(server.requests.map { $0.authorization ?? "-" } == ["Bearer old-token", "Bearer old-token", "Bearer new-token"])

        // Refused again after the re-read: one retry only, then the error.
        accepted.withLock { $0 = "Bearer never" }
        await #expect { _ = try await client.list(TestPod.self, query: ListQuery()) } throws: {
            ($0 as? KubernetesAPIError)?.isUnauthorized == true
        }
        #expect(server.requests.count == 5)
    }

    @Test func httpsWithTheClusterCAAndAClientCertificate() async throws {
        let server = try await ScriptedAPIServer.start(tls: true, requireClientCertificate: true) { _, _ in
            .json(status: 200, body: APIJSON.list([APIJSON.pod("a", resourceVersion: "1")], resourceVersion: "5"))
        }
        defer { Task { await server.stop() } }
        let credentials = KubernetesCredentials(
            server: server.url, certificateAuthorityPEM: Array(TestCertificates.authorityPEM.utf8),
            clientCertificatePEM: Array(TestCertificates.clientCertificatePEM.utf8),
            clientKeyPEM: Array(TestCertificates.clientKeyPEM.utf8))
        let client = try KubernetesHTTPClient(credentials: credentials, logger: testLogger)
        let page = try await client.list(TestPod.self, query: ListQuery())
        try await client.shutdown()
        #expect(page.items.map(\.metadata.name) == ["a"])
        #expect(server.requests.first?.authorization == nil)
    }

    @Test func httpsRefusesAServerTheCADidNotSign() async throws {
        let server = try await ScriptedAPIServer.start(tls: true) { _, _ in
            .json(status: 200, body: APIJSON.list([], resourceVersion: "5"))
        }
        defer { Task { await server.stop() } }
        // The client's certificate is signed by the CA but is no CA: nothing chains to it.
        let credentials = KubernetesCredentials(
            server: server.url,
            certificateAuthorityPEM: Array(TestCertificates.clientCertificatePEM.utf8))
        // AsyncHTTPClient retries a failed handshake until the connect timeout: keep it short.
        var configuration = KubernetesHTTPClient.Configuration()
        configuration.connectTimeout = .milliseconds(500)
        let client = try KubernetesHTTPClient(credentials: credentials, configuration: configuration, logger: testLogger)
        defer { Task { try await client.shutdown() } }
        await #expect { _ = try await client.list(TestPod.self, query: ListQuery()) } throws: {
            ($0 as? KubernetesAPIError)?.code == .transportFailed
        }
        #expect(server.requests.isEmpty)
    }

    @Test func inClusterCredentialsAgainstAnHTTPSServer() async throws {
        let server = try await ScriptedAPIServer.start(tls: true) { _, _ in
            .json(status: 200, body: APIJSON.list([APIJSON.pod("a", resourceVersion: "1")], resourceVersion: "5"))
        }
        defer { Task { await server.stop() } }
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        try directory.write("ca.crt", TestCertificates.authorityPEM)
        try directory.write("token", "service-account-token\n")
        let credentials = try await KubernetesCredentials.inCluster(
            environment: ["KUBERNETES_SERVICE_HOST": "127.0.0.1", "KUBERNETES_SERVICE_PORT": "\(server.port)"],
            directory: directory.path)
        let client = try KubernetesHTTPClient(credentials: credentials, logger: testLogger)
        let list = try await client.listAll(TestPod.self)
        try await client.shutdown()
        #expect(list.items.map(\.metadata.name) == ["a"])
        #expect(server.requests.first?.authorization == "Bearer service-account-token")
    }
}
