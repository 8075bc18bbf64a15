import KubernetesAPI
import YAML

#if canImport(FoundationEssentials)
    import FoundationEssentials
#else
    import Foundation
#endif

/// The kubeconfig file, the keys this client reads: `clusters`, `users`, `contexts` and
/// `current-context`. Other keys are ignored.
struct Kubeconfig: Decodable {
    struct NamedCluster: Decodable {
        var name: String?
        var cluster: Cluster?
    }
    struct Cluster: Decodable {
        var server: String?
        var certificateAuthority: String?
        var certificateAuthorityData: String?
        var insecureSkipTLSVerify: Bool?
        enum CodingKeys: String, CodingKey {
            case server
            case certificateAuthority = "certificate-authority"
            case certificateAuthorityData = "certificate-authority-data"
            case insecureSkipTLSVerify = "insecure-skip-tls-verify"
        }
    }
    struct NamedUser: Decodable {
        var name: String?
        var user: User?
    }
    struct User: Decodable {
        var clientCertificate: String?
        var clientCertificateData: String?
        var clientKey: String?
        var clientKeyData: String?
        var token: String?
        var tokenFile: String?
        var username: String?
        // Only whether they are there matters: they are refused.
        var exec: Skipped?
        var authProvider: Skipped?
        enum CodingKeys: String, CodingKey {
            case clientCertificate = "client-certificate"
            case clientCertificateData = "client-certificate-data"
            case clientKey = "client-key"
            case clientKeyData = "client-key-data"
            case token, tokenFile, username, exec
            case authProvider = "auth-provider"
        }
    }
    struct NamedContext: Decodable {
        var name: String?
        var context: Context?
    }
    struct Context: Decodable {
        var cluster: String?
        var user: String?
    }
    struct Skipped: Decodable {
        init(from decoder: any Decoder) throws {}
    }

    var clusters: [NamedCluster]?
    var users: [NamedUser]?
    var contexts: [NamedContext]?
    var currentContext: String?
    enum CodingKeys: String, CodingKey {
        case clusters, users, contexts
        case currentContext = "current-context"
    }
}

/// Loads ``KubernetesCredentials`` from a kubeconfig, kubectl's way for the parts supported:
/// `-data` fields win over file fields, relative file paths are relative to the kubeconfig's
/// directory, and `tokenFile` wins over `token` (as client-go does).
public enum KubeconfigLoader {
    /// Reads `path` and the files it names. Blocking file I/O: call at start-up, or use
    /// ``KubernetesCredentials/fromKubeconfig(path:context:allowInsecure:)``.
    ///
    /// - Parameters:
    ///   - context: the context to use; nil means the file's `current-context`.
    ///   - allowInsecure: accept `insecure-skip-tls-verify: true`; refused otherwise.
    public static func load(
        path: String, context: String? = nil, allowInsecure: Bool = false
    )
        throws(KubernetesConfigError) -> KubernetesCredentials
    {
        let bytes = try CredentialFile.read(path, role: "kubeconfig")
        return try parse(
            String(decoding: bytes, as: UTF8.self), path: path, context: context,
            allowInsecure: allowInsecure)
    }

    /// Parses kubeconfig text that was read from `path` (used to resolve relative paths and
    /// to name the file in errors), reading the files it names.
    public static func parse(
        _ text: String, path: String, context contextName: String? = nil,
        allowInsecure: Bool = false
    ) throws(KubernetesConfigError) -> KubernetesCredentials {
        let where_ = "kubeconfig \(path)"
        let config: Kubeconfig
        do {
            config = try YAMLTreeDecoder().decode(Kubeconfig.self, from: text)
        } catch {
            throw KubernetesConfigError(
                .malformed, "\(where_): not a kubeconfig: \(DecodingProblem.describe(error))",
                file: path, cause: error)
        }
        func fail(_ code: KubernetesConfigError.Code, _ text: String, key: String?) -> KubernetesConfigError {
            KubernetesConfigError(code, "\(where_): \(text)", file: path, key: key)
        }

        guard let name = contextName ?? config.currentContext, !name.isEmpty else {
            throw fail(.missingKey, "no context given and no current-context set", key: "current-context")
        }
        guard let context = config.contexts?.first(where: { $0.name == name })?.context else {
            throw fail(.notFound, "context '\(name)' not found", key: "contexts")
        }
        guard let clusterName = context.cluster, !clusterName.isEmpty else {
            throw fail(.missingKey, "context '\(name)' names no cluster", key: "contexts[\(name)].context.cluster")
        }
        guard let userName = context.user, !userName.isEmpty else {
            throw fail(.missingKey, "context '\(name)' names no user", key: "contexts[\(name)].context.user")
        }
        guard let cluster = config.clusters?.first(where: { $0.name == clusterName })?.cluster else {
            throw fail(.notFound, "cluster '\(clusterName)' (of context '\(name)') not found", key: "clusters")
        }
        guard let user = config.users?.first(where: { $0.name == userName })?.user else {
            throw fail(.notFound, "user '\(userName)' (of context '\(name)') not found", key: "users")
        }

        let clusterKey = "clusters[\(clusterName)].cluster"
        guard let server = cluster.server, !server.isEmpty else {
            throw fail(.missingKey, "cluster '\(clusterName)' has no server", key: "\(clusterKey).server")
        }
        guard let url = URL(string: server), let scheme = url.scheme, ["https", "http"].contains(scheme.lowercased()),
            url.host != nil
        else {
            throw fail(
                .invalidValue, "cluster '\(clusterName)': server '\(server)' is not an https:// or http:// URL",
                key: "\(clusterKey).server")
        }
        if cluster.insecureSkipTLSVerify == true, !allowInsecure {
            throw fail(
                .insecureRefused,
                "cluster '\(clusterName)' sets insecure-skip-tls-verify, which is refused unless allowed explicitly",
                key: "\(clusterKey).insecure-skip-tls-verify")
        }

        let userKey = "users[\(userName)].user"
        if user.exec != nil || user.authProvider != nil {
            let plugin = user.exec != nil ? "exec" : "auth-provider"
            throw fail(
                .unsupported,
                "user '\(userName)' authenticates with an \(plugin) plugin, which is not supported: use a token, tokenFile or client certificate",
                key: "\(userKey).\(plugin)")
        }
        if user.username != nil, user.token == nil, user.tokenFile == nil, user.clientCertificate == nil,
            user.clientCertificateData == nil
        {
            throw fail(
                .unsupported, "user '\(userName)' uses basic authentication, which is not supported",
                key: "\(userKey).username")
        }

        let directory = CredentialFile.directory(of: path)
        func material(
            data: String?, file: String?, dataKey: String, fileKey: String, role: String
        )
            throws(KubernetesConfigError) -> [UInt8]?
        {
            if let data, !data.isEmpty {
                let compact = data.filter { !$0.isWhitespace }
                guard let decoded = Data(base64Encoded: compact) else {
                    throw fail(.invalidValue, "\(dataKey) is not valid base64", key: dataKey)
                }
                return Array(decoded)
            }
            guard let file, !file.isEmpty else { return nil }
            return try CredentialFile.read(
                CredentialFile.resolve(file, against: directory), role: role,
                context: where_, key: fileKey)
        }

        let authority = try material(
            data: cluster.certificateAuthorityData, file: cluster.certificateAuthority,
            dataKey: "\(clusterKey).certificate-authority-data", fileKey: "\(clusterKey).certificate-authority",
            role: "certificate authority")
        let certificate = try material(
            data: user.clientCertificateData, file: user.clientCertificate,
            dataKey: "\(userKey).client-certificate-data", fileKey: "\(userKey).client-certificate",
            role: "client certificate")
        let key = try material(
            data: user.clientKeyData, file: user.clientKey,
            dataKey: "\(userKey).client-key-data", fileKey: "\(userKey).client-key", role: "client key")
        if certificate != nil, key == nil {
            throw fail(
                .missingKey, "user '\(userName)' has a client certificate but no client-key or client-key-data",
                key: "\(userKey).client-key")
        }
        if key != nil, certificate == nil {
            throw fail(
                .missingKey, "user '\(userName)' has a client key but no client-certificate or client-certificate-data",
                key: "\(userKey).client-certificate")
        }

        var token: KubernetesCredentials.BearerToken?
        if let tokenFile = user.tokenFile, !tokenFile.isEmpty {
            token = .file(path: CredentialFile.resolve(tokenFile, against: directory))
        } else if let literal = user.token, !literal.isEmpty {
            token = .literal(literal)
        }

        return KubernetesCredentials(
            server: server, certificateAuthorityPEM: authority, clientCertificatePEM: certificate, clientKeyPEM: key,
            token: token, insecureSkipTLSVerify: cluster.insecureSkipTLSVerify ?? false,
            origin: "\(where_), context '\(name)'")
    }
}
