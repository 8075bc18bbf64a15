import NIOSSL

extension KubernetesCredentials {
    /// The client TLS configuration these credentials call for: the CA as the only trust root
    /// (when given), the client certificate and key, or no verification when explicitly insecure.
    public func makeTLSConfiguration() throws -> TLSConfiguration {
        var tls = TLSConfiguration.makeClientConfiguration()
        if let certificateAuthorityPEM {
            let roots = try NIOSSLCertificate.fromPEMBytes(certificateAuthorityPEM)
            guard !roots.isEmpty else {
                throw KubernetesConfigError(.invalidValue, "\(origin): the certificate authority holds no PEM certificate")
            }
            tls.trustRoots = .certificates(roots)
        }
        if let clientCertificatePEM, let clientKeyPEM {
            let chain = try NIOSSLCertificate.fromPEMBytes(clientCertificatePEM)
            guard !chain.isEmpty else {
                throw KubernetesConfigError(.invalidValue, "\(origin): the client certificate holds no PEM certificate")
            }
            tls.certificateChain = chain.map { .certificate($0) }
            tls.privateKey = .privateKey(try NIOSSLPrivateKey(bytes: clientKeyPEM, format: .pem))
        }
        if insecureSkipTLSVerify { tls.certificateVerification = .none }
        return tls
    }
}
