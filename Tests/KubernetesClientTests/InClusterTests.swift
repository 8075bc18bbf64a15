import Foundation
import Testing

@testable import KubernetesClient

@Suite struct InClusterTests {
    func serviceAccount() throws -> TemporaryDirectory {
        let directory = try TemporaryDirectory()
        try directory.write("token", "sa-token\n")
        try directory.write("ca.crt", "CLUSTER-CA")
        return directory
    }

    @Test func anIPv4Host() throws {
        let directory = try serviceAccount()
        defer { directory.remove() }
        let credentials = try InClusterLoader.load(
            environment: ["KUBERNETES_SERVICE_HOST": "10.96.0.1", "KUBERNETES_SERVICE_PORT": "443"],
            directory: directory.path)
        #expect(credentials.server == "https://10.96.0.1:443")
        #expect(credentials.certificateAuthorityPEM == Array("CLUSTER-CA".utf8))
        #expect(credentials.token == .file(path: directory.path + "/token"))
        #expect(credentials.origin == "in-cluster")
    }

    @Test func anIPv6HostGoesInBrackets() throws {
        let directory = try serviceAccount()
        defer { directory.remove() }
        let credentials = try InClusterLoader.load(
            environment: ["KUBERNETES_SERVICE_HOST": "fd00:10:96::1", "KUBERNETES_SERVICE_PORT": "6443"],
            directory: directory.path)
        #expect(credentials.server == "https://[fd00:10:96::1]:6443")
    }

    @Test(arguments: [
        ([:], "KUBERNETES_SERVICE_HOST"),
        (["KUBERNETES_SERVICE_HOST": "10.96.0.1"], "KUBERNETES_SERVICE_PORT"),
    ])
    func missingEnvironmentSaysNotInCluster(environment: [String: String], key: String) {
        do {
            _ = try InClusterLoader.load(environment: environment, directory: "/nonexistent")
            Issue.record("loaded")
        } catch {
            #expect(error.code == .notInCluster)
            #expect(error.key == key)
            #expect(error.message == "in-cluster: \(key) is not set: not running in a pod")
        }
    }

    @Test func aPortThatIsNotANumber() {
        #expect(throws: KubernetesConfigError.self) {
            _ = try InClusterLoader.load(
                environment: ["KUBERNETES_SERVICE_HOST": "10.96.0.1", "KUBERNETES_SERVICE_PORT": "https"],
                directory: "/nonexistent")
        }
    }

    @Test func aMissingTokenNamesTheFile() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        try directory.write("ca.crt", "CA")
        do {
            _ = try InClusterLoader.load(
                environment: ["KUBERNETES_SERVICE_HOST": "10.96.0.1", "KUBERNETES_SERVICE_PORT": "443"],
                directory: directory.path)
            Issue.record("loaded")
        } catch {
            #expect(error.code == .fileUnreadable)
            #expect(error.file == directory.path + "/token")
        }
    }
}

@Suite struct BearerTokenSourceTests {
    @Test func aLiteralTokenIsSentAsIs() async throws {
        let source = BearerTokenSource(.literal("abc"))
        #expect(try await source.value() == "abc")
        #expect(try await source.refreshAfterUnauthorized() == false)
    }

    @Test func theFileIsReReadWhenItChanges() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let path = try directory.write("token", "first\n")
        let source = BearerTokenSource(.file(path: path), recheckInterval: .zero)
        #expect(try await source.value() == "first")
        // The kubelet swaps a symlink to a new file: a new inode, whatever the clock says.
        try directory.write("token.new", "second")
        try FileManager.default.removeItem(atPath: path)
        try FileManager.default.moveItem(atPath: directory.path + "/token.new", toPath: path)
        #expect(try await source.value() == "second")
    }

    @Test func theFileIsNotLookedAtAgainWithinTheRecheckInterval() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let path = try directory.write("token", "first")
        let source = BearerTokenSource(.file(path: path), recheckInterval: .seconds(3600))
        #expect(try await source.value() == "first")
        try directory.write("token", "second, longer")
        #expect(try await source.value() == "first")
        // A 401 re-reads at once.
        #expect(try await source.refreshAfterUnauthorized())
        #expect(try await source.value() == "second, longer")
    }

    @Test func anEmptyTokenFileIsAnError() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let path = try directory.write("token", "\n")
        await #expect(throws: KubernetesConfigError.self) {
            _ = try await BearerTokenSource(.file(path: path)).value()
        }
    }
}
