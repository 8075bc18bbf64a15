/// What the agent's HTTP endpoint answers: `/metrics` (Prometheus text), `/healthz` (the loops
/// run) and `/readyz` (the first reconcile is done).
public struct AgentEndpoints: Sendable {
    public struct Answer: Sendable {
        public var status: Int
        public var contentType: String
        public var body: [UInt8]
    }

    public static let prometheusContentType = "text/plain; version=0.0.4; charset=utf-8"

    let metrics: AgentMetrics
    let status: AgentStatus
    /// The kernel's traffic counters in Prometheus text, read at scrape time.
    let traffic: @Sendable () -> String

    public init(metrics: AgentMetrics, status: AgentStatus, traffic: @escaping @Sendable () -> String) {
        self.metrics = metrics
        self.status = status
        self.traffic = traffic
    }

    public func answer(path: String) -> Answer {
        switch path {
        case "/metrics":
            var body = metrics.render()
            body += Array(traffic().utf8)
            return Answer(status: 200, contentType: Self.prometheusContentType, body: body)
        case "/healthz":
            if let problem = status.problem() { return Self.text(503, problem) }
            return Self.text(200, "ok")
        case "/readyz":
            return status.isReady ? Self.text(200, "ready") : Self.text(503, "the first reconcile has not finished")
        default:
            return Self.text(404, "not found: try /metrics, /healthz or /readyz")
        }
    }

    static func text(_ status: Int, _ message: String) -> Answer {
        Answer(status: status, contentType: "text/plain; charset=utf-8", body: Array((message + "\n").utf8))
    }
}
