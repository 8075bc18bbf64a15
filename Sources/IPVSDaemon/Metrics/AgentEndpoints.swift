import Dispatch

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
    /// The kernel's traffic counters in Prometheus text (UTF-8), read at scrape time.
    let traffic: @Sendable () -> [UInt8]

    public init(metrics: AgentMetrics, status: AgentStatus, traffic: @escaping @Sendable () -> [UInt8]) {
        self.metrics = metrics
        self.status = status
        self.traffic = traffic
    }

    /// A scrape reads the kernel: a netlink dump, which also waits for any reconcile holding the
    /// IPVS socket. That blocking read runs on a queue of its own, never on the cooperative pool
    /// where the health checker and the reconcile loop wait for their turn: under a 10/s
    /// scraper, health probes there timed out on a loaded two-core node.
    private static let scrapeQueue = DispatchQueue(label: "ipvsctl.metrics-scrape")

    /// ``answer(path:)``, with `/metrics` read off the cooperative pool.
    ///
    /// A scrape at 10,000 services builds and drops megabytes of small values (the series'
    /// text, the kernel's read), which glibc keeps in its arenas: in the lab the agent's main
    /// arena held 37 MB without a trim after scrapes, 13-16 MB with one. At most one trim per
    /// 10 s (Prometheus scrapes every 15 to 60 s); one asked for sooner runs when the 10 s end.
    public func respond(to path: String) async -> Answer {
        guard path == "/metrics" else { return answer(path: path) }
        return await withCheckedContinuation { continuation in
            Self.scrapeQueue.async {
                let answer = answer(path: path)
                FreedMemory.release(atMostEvery: .seconds(10), on: Self.scrapeQueue)
                continuation.resume(returning: answer)
            }
        }
    }

    public func answer(path: String) -> Answer {
        switch path {
        case "/metrics":
            var body = metrics.render()
            body += traffic()
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
