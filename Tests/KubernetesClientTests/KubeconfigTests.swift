import Foundation
import Testing

@testable import KubernetesClient

@Suite struct KubeconfigTests {
    static let twoContexts = """
        apiVersion: v1
        kind: Config
        current-context: prod
        clusters:
        - name: prod-cluster
          cluster:
            server: https://192.0.2.10:6443
            certificate-authority-data: \("CA-DATA".base64)
        - name: lab-cluster
          cluster:
            server: https://lab.example:6443/
            certificate-authority: certs/lab-ca.crt
        users:
        - name: prod-admin
          user:
            client-certificate-data: \("CERT-DATA".base64)
            client-key-data: \("KEY-DATA".base64)
        - name: lab-user
          user:
            token: literal-token
            tokenFile: tokens/lab
        contexts:
        - name: prod
          context: {cluster: prod-cluster, user: prod-admin, namespace: default}
        - name: lab
          context: {cluster: lab-cluster, user: lab-user}
        """

    func parse(
        _ text: String, context: String? = nil, in directory: TemporaryDirectory? = nil,
        allowInsecure: Bool = false
    ) throws(KubernetesConfigError) -> KubernetesCredentials {
        try KubeconfigLoader.parse(
            text, path: (directory?.path ?? "/nonexistent") + "/config", context: context,
            allowInsecure: allowInsecure)
    }

    func error(_ text: String, context: String? = nil) -> KubernetesConfigError? {
        do {
            _ = try parse(text, context: context)
            return nil
        } catch {
            return error
        }
    }

    @Test func theCurrentContextWithDataFields() throws {
        let credentials = try parse(Self.twoContexts)
        #expect(credentials.server == "https://192.0.2.10:6443")
        #expect(credentials.certificateAuthorityPEM == Array("CA-DATA".utf8))
        #expect(credentials.clientCertificatePEM == Array("CERT-DATA".utf8))
        #expect(credentials.clientKeyPEM == Array("KEY-DATA".utf8))
        #expect(credentials.token == nil)
        #expect(credentials.origin == "kubeconfig /nonexistent/config, context 'prod'")
    }

    @Test func anExplicitContextWithFilesRelativeToTheKubeconfig() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        try directory.write("certs/lab-ca.crt", "LAB-CA")
        let credentials = try parse(Self.twoContexts, context: "lab", in: directory)
        #expect(credentials.server == "https://lab.example:6443")
        #expect(credentials.certificateAuthorityPEM == Array("LAB-CA".utf8))
        // tokenFile wins over token, as in client-go, and is resolved against the directory.
        #expect(credentials.token == .file(path: directory.path + "/tokens/lab"))
    }

    @Test func dataWinsOverAFileField() throws {
        let text = """
            current-context: c
            clusters: [{name: k, cluster: {server: "https://k:443", certificate-authority: /missing/ca.crt, certificate-authority-data: \("DATA".base64)}}]
            users: [{name: u, user: {token: t}}]
            contexts: [{name: c, context: {cluster: k, user: u}}]
            """
        let credentials = try parse(text)
        #expect(credentials.certificateAuthorityPEM == Array("DATA".utf8))
        #expect(credentials.token == .literal("t"))
    }

    @Test func anAbsoluteFilePathIsKept() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let ca = try directory.write("elsewhere/ca.crt", "ABS-CA")
        let text = """
            current-context: c
            clusters: [{name: k, cluster: {server: "https://k:443", certificate-authority: \(ca)}}]
            users: [{name: u, user: {token: t}}]
            contexts: [{name: c, context: {cluster: k, user: u}}]
            """
        #expect(try parse(text).certificateAuthorityPEM == Array("ABS-CA".utf8))
    }

    @Test func aMissingContextIsNamed() {
        let error = error(Self.twoContexts, context: "staging")
        #expect(error?.code == .notFound)
        #expect(error?.message == "kubeconfig /nonexistent/config: context 'staging' not found")
        #expect(error?.file == "/nonexistent/config")
    }

    @Test func noContextAtAll() {
        let error = error("clusters: []")
        #expect(error?.code == .missingKey)
        #expect(error?.key == "current-context")
    }

    @Test func aMissingClusterOrUserIsNamedWithItsContext() {
        let text = """
            current-context: c
            clusters: [{name: k, cluster: {server: "https://k:443"}}]
            users: []
            contexts: [{name: c, context: {cluster: k, user: ghost}}, {name: d, context: {cluster: nowhere, user: ghost}}]
            """
        #expect(error(text)?.message == "kubeconfig /nonexistent/config: user 'ghost' (of context 'c') not found")
        #expect(error(text, context: "d")?.message == "kubeconfig /nonexistent/config: cluster 'nowhere' (of context 'd') not found")
    }

    @Test func aClusterWithoutServerIsLocated() {
        let text = """
            current-context: c
            clusters: [{name: k, cluster: {certificate-authority-data: \("X".base64)}}]
            users: [{name: u, user: {token: t}}]
            contexts: [{name: c, context: {cluster: k, user: u}}]
            """
        let error = error(text)
        #expect(error?.code == .missingKey)
        #expect(error?.key == "clusters[k].cluster.server")
        #expect(error?.message == "kubeconfig /nonexistent/config: cluster 'k' has no server")
    }

    @Test func aCertificateWithoutItsKeyIsLocated() {
        let text = """
            current-context: c
            clusters: [{name: k, cluster: {server: "https://k:443"}}]
            users: [{name: u, user: {client-certificate-data: \("C".base64)}}]
            contexts: [{name: c, context: {cluster: k, user: u}}]
            """
        let error = error(text)
        #expect(error?.code == .missingKey)
        #expect(error?.key == "users[u].user.client-key")
    }

    @Test func badBase64IsLocated() {
        let text = """
            current-context: c
            clusters: [{name: k, cluster: {server: "https://k:443", certificate-authority-data: "not base64!"}}]
            users: [{name: u, user: {token: t}}]
            contexts: [{name: c, context: {cluster: k, user: u}}]
            """
        let error = error(text)
        #expect(error?.code == .invalidValue)
        #expect(error?.key == "clusters[k].cluster.certificate-authority-data")
    }

    @Test func anUnreadableReferencedFileNamesTheFileAndTheKey() {
        let text = """
            current-context: c
            clusters: [{name: k, cluster: {server: "https://k:443", certificate-authority: ca.crt}}]
            users: [{name: u, user: {token: t}}]
            contexts: [{name: c, context: {cluster: k, user: u}}]
            """
        let error = error(text)
        #expect(error?.code == .fileUnreadable)
        #expect(error?.file == "/nonexistent/ca.crt")
        #expect(error?.key == "clusters[k].cluster.certificate-authority")
        #expect(error?.message.hasPrefix("kubeconfig /nonexistent/config: cannot read certificate authority /nonexistent/ca.crt") == true)
    }

    @Test(arguments: ["exec: {command: aws, apiVersion: client.authentication.k8s.io/v1}", "auth-provider: {name: gcp}"])
    func pluginsAreRefusedClearly(user: String) {
        let text = """
            current-context: c
            clusters: [{name: k, cluster: {server: "https://k:443"}}]
            users: [{name: u, user: {\(user)}}]
            contexts: [{name: c, context: {cluster: k, user: u}}]
            """
        let error = error(text)
        #expect(error?.code == .unsupported)
        #expect(error?.message.contains("plugin, which is not supported") == true)
        #expect(error?.key?.hasPrefix("users[u].user.") == true)
    }

    @Test func insecureIsRefusedUnlessAllowed() throws {
        let text = """
            current-context: c
            clusters: [{name: k, cluster: {server: "https://k:443", insecure-skip-tls-verify: true}}]
            users: [{name: u, user: {token: t}}]
            contexts: [{name: c, context: {cluster: k, user: u}}]
            """
        #expect(error(text)?.code == .insecureRefused)
        #expect(try parse(text, allowInsecure: true).insecureSkipTLSVerify)
    }

    @Test func aServerThatIsNotAURLIsRefused() {
        let text = """
            current-context: c
            clusters: [{name: k, cluster: {server: "k:443"}}]
            users: [{name: u, user: {token: t}}]
            contexts: [{name: c, context: {cluster: k, user: u}}]
            """
        #expect(error(text)?.code == .invalidValue)
    }

    @Test func notYAMLOfTheRightShape() {
        let error = error("clusters: 5")
        #expect(error?.code == .malformed)
        #expect(error?.message.hasPrefix("kubeconfig /nonexistent/config: not a kubeconfig: clusters") == true)
    }

    @Test func loadingFromAFileThatIsNotThere() {
        #expect(throws: KubernetesConfigError.self) {
            _ = try KubeconfigLoader.load(path: "/nonexistent/kubeconfig")
        }
    }

    @Test func loadingOffTheCallersThread() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let path = try directory.write("config", Self.twoContexts)
        let credentials = try await KubernetesCredentials.fromKubeconfig(path: path)
        #expect(credentials.server == "https://192.0.2.10:6443")
    }
}
