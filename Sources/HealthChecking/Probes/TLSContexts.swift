import IPVSCore
import NIOSSL
import Synchronization

/// The TLS contexts of HTTPS probes, one per distinct verification setting, each built on first
/// use and then shared: building a context is costly (a trust store is parsed), and probes of
/// one setting run every few seconds against many targets.
final class TLSContexts: Sendable {
    /// More distinct settings than any config holds; past it the cache starts afresh, so that
    /// CA bundles replaced over many reloads do not pile up.
    static let capacity = 64

    private let contexts = Mutex<[HealthCheck.TLSVerification?: Result<NIOSSLContext, TLSContextError>]>([:])

    /// The context for `verification` (nil: verify nothing), or why it cannot be built. A
    /// failure is kept like a context: the same bundle fails the same way on every probe.
    func context(for verification: HealthCheck.TLSVerification?) -> Result<NIOSSLContext, TLSContextError> {
        if let known = contexts.withLock({ $0[verification] }) { return known }
        // Built outside the lock: two probes may build the same context at once, and one wins.
        let built = Self.build(verification)
        return contexts.withLock { contexts in
            if let known = contexts[verification] { return known }
            if contexts.count >= Self.capacity { contexts.removeAll() }
            contexts[verification] = built
            return built
        }
    }

    private static func build(_ verification: HealthCheck.TLSVerification?) -> Result<NIOSSLContext, TLSContextError> {
        var configuration = TLSConfiguration.makeClientConfiguration()
        if let verification {
            // The name, when there is one, is checked by the handshake against the name the
            // handler is given (the check's serverName); without one only the chain is.
            configuration.certificateVerification = verification.serverName == nil ? .noHostnameVerification : .fullVerification
            switch verification.trustRoots {
            case .system:
                configuration.trustRoots = .default
            case .bundle(let file, let pem):
                do {
                    configuration.trustRoots = .certificates(try NIOSSLCertificate.fromPEMBytes(pem))
                } catch {
                    return .failure(TLSContextError(message: "the CA bundle \(file) cannot be parsed", underlying: error))
                }
            }
        } else {
            configuration.certificateVerification = .none
            // Nothing is verified, so the system's trust store need not be loaded.
            configuration.trustRoots = .certificates([])
        }
        do {
            return .success(try NIOSSLContext(configuration: configuration))
        } catch {
            return .failure(TLSContextError(message: "no TLS context", underlying: error))
        }
    }
}

/// Why a TLS context could not be built: every probe with its setting fails with it.
struct TLSContextError: Error {
    var message: String
    var underlying: any Error
}
