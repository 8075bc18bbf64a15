import NIOSSL

/// Reads and checks a PEM bundle of CA certificates named by an HTTPS check's `tls.caFile`.
///
/// The loader runs before any kernel write, so the read is bounded (``BoundedFile``), and the
/// certificates are parsed by the same TLS library the prober will hand them to, so a bundle
/// the loader accepts is one the probes can use.
enum CertificateBundle {
    /// Far above any real bundle (the whole system trust store is about 220 KB).
    static let maximumBytes = 1024 * 1024

    /// The file's bytes, or why they are refused, in words that follow "caFile '<path>' ".
    static func load(_ path: String) -> Result<[UInt8], Refusal> {
        let contents: [UInt8]
        do {
            contents = try BoundedFile.contents(of: path, limit: maximumBytes)
        } catch {
            return .failure(Refusal("\(error)", code: .unreadableFile))
        }
        return checkPEM(contents).map { .failure($0) } ?? .success(contents)
    }

    /// Nil when `bytes` hold at least one PEM certificate the TLS library parses; else what is
    /// wrong.
    static func checkPEM(_ bytes: [UInt8]) -> Refusal? {
        guard let text = String(validating: bytes, as: UTF8.self) else { return Refusal("is not PEM text (it is not even UTF-8)") }
        // A key has no business in a trust bundle, and one there is a sign of the wrong file.
        if text.contains("PRIVATE KEY-----") { return Refusal("holds a private key: give the CA certificates only") }
        guard text.contains("-----BEGIN CERTIFICATE-----") else { return Refusal("holds no PEM certificate (-----BEGIN CERTIFICATE-----)") }
        // The TLS library's error names no more than its own failure: say what was refused.
        guard let certificates = try? NIOSSLCertificate.fromPEMBytes(bytes), !certificates.isEmpty else {
            return Refusal("is not a PEM bundle of certificates that the TLS library can parse")
        }
        return nil
    }

    /// Why a file is refused.
    struct Refusal: Error, Equatable {
        /// `.unreadableFile` when the file could not be read, `.invalidValue` when its content is wrong.
        var code: ConfigProblem.Code
        var reason: String

        init(_ reason: String, code: ConfigProblem.Code = .invalidValue) {
            self.code = code
            self.reason = reason
        }
    }
}
