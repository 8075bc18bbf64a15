/// How to reach and authenticate to one API server: what a kubeconfig context or a pod's
/// service account says, with every referenced file already read (except the token file,
/// which is re-read as it rotates).
public struct KubernetesCredentials: Sendable, Hashable {
    /// The bearer token: a fixed string, or a file the kubelet (or an operator) rewrites.
    public enum BearerToken: Sendable, Hashable {
        case literal(String)
        /// Re-read when the file changes, and at once after a 401.
        case file(path: String)
    }

    /// `https://host:port`, without a trailing slash; `http://` only for a local proxy.
    public var server: String
    /// The PEM the server's certificate must chain to. It replaces the system's roots: nil
    /// trusts the system's roots, which an API server's own CA is rarely among.
    public var certificateAuthorityPEM: [UInt8]?
    /// A client certificate chain and its key, for certificate authentication.
    public var clientCertificatePEM: [UInt8]?
    public var clientKeyPEM: [UInt8]?
    public var token: BearerToken?
    /// No certificate verification at all. Loaders refuse it unless the caller allowed it.
    public var insecureSkipTLSVerify: Bool
    /// Where these came from, for logs and errors: `kubeconfig FILE, context 'x'` or `in-cluster`.
    public var origin: String

    public init(
        server: String, certificateAuthorityPEM: [UInt8]? = nil, clientCertificatePEM: [UInt8]? = nil,
        clientKeyPEM: [UInt8]? = nil, token: BearerToken? = nil, insecureSkipTLSVerify: Bool = false,
        origin: String = "explicit"
    ) {
        self.server = server.hasSuffix("/") ? String(server.dropLast()) : server
        self.certificateAuthorityPEM = certificateAuthorityPEM
        self.clientCertificatePEM = clientCertificatePEM
        self.clientKeyPEM = clientKeyPEM
        self.token = token
        self.insecureSkipTLSVerify = insecureSkipTLSVerify
        self.origin = origin
    }
}
