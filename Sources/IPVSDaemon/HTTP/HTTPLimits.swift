import NIOCore

/// What clients may take of one listener, so that the health ports keep answering a load
/// balancer while someone else misbehaves. Documented in docs/operations.md.
public struct HTTPLimits: Sendable, Hashable {
    /// Open connections per listener; one more is closed as soon as it is accepted. Probes and
    /// HTTP share the agent's descriptors.
    public var maximumConnections: Int
    /// From a request's first byte to its complete head: a client that trickles its header
    /// (slowloris) is closed after this.
    public var requestHeadTimeout: TimeAmount
    /// How long a connection may stay silent, between requests or inside one. Longer than a
    /// Prometheus scrape interval, so a keep-alive scraper reuses its socket.
    public var idleTimeout: TimeAmount
    /// Request body bytes (no endpoint takes one) before the answer is 413 and the connection
    /// closed. A head larger than the HTTP parser's limit (80 KiB) gets 400 and is closed.
    public var maximumBodyBytes: Int

    public init(
        maximumConnections: Int = 512, requestHeadTimeout: TimeAmount = .seconds(10), idleTimeout: TimeAmount = .seconds(90),
        maximumBodyBytes: Int = 16 * 1024
    ) {
        self.maximumConnections = maximumConnections
        self.requestHeadTimeout = requestHeadTimeout
        self.idleTimeout = idleTimeout
        self.maximumBodyBytes = maximumBodyBytes
    }
}
