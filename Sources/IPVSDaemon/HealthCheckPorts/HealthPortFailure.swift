/// A health port that could not be opened; ``HealthCheckPortServers`` tries it again on the next
/// update that still lists it.
public struct HealthPortFailure: Sendable {
    public var port: UInt16
    /// The service the port belongs to, `namespace/name`.
    public var serviceName: String
    public var error: HTTPServerError

    public init(port: UInt16, serviceName: String, error: HTTPServerError) {
        self.port = port
        self.serviceName = serviceName
        self.error = error
    }
}
