import Dispatch
import IPVSCore
import Logging
import Reconciler
import Synchronization

/// The kernel's traffic counters for `/metrics`, read at scrape time: one service dump, plus
/// every real server when asked for. Series are labelled with the service each virtual service
/// came from, as of the last reconcile.
///
/// Give it a table of its own (its own netlink socket), so that a scrape never waits for a
/// reconcile's dumps nor makes one wait. A read serves every scrape within `reuseInterval` of
/// it: a scraper gone wild costs the kernel one dump per interval, not one per request.
public final class KernelTrafficScrape: Sendable {
    let table: any IPVSTable
    let includeRealServers: Bool
    let metrics: AgentMetrics
    let logger: Logger
    let reuseInterval: Duration
    private let naming = Mutex(Naming())
    private let lastRead = Mutex<(at: ContinuousClock.Instant, text: [UInt8])?>(nil)

    /// The names as of the last reconcile, and their labels rendered.
    private struct Naming {
        var serviceNames: [VirtualServiceKey: String] = [:]
        var exposition = TrafficExposition(serviceNames: [:])
    }

    public init(
        table: any IPVSTable, includeRealServers: Bool, metrics: AgentMetrics, logger: Logger, reuseInterval: Duration = .seconds(1)
    ) {
        self.table = table
        self.includeRealServers = includeRealServers
        self.metrics = metrics
        self.logger = logger
        self.reuseInterval = reuseInterval
    }

    /// Takes the names of a reconcile's desired virtual services; their labels are rendered
    /// again only when they changed.
    func name(_ desired: DesiredKernelState) {
        let names = Dictionary(
            desired.virtualServices.map { ($0.service.key, $0.origin.serviceName) },
            uniquingKeysWith: { first, _ in first })
        guard naming.withLock({ $0.serviceNames != names }) else { return }
        let exposition = TrafficExposition(serviceNames: names)
        naming.withLock { $0 = Naming(serviceNames: names, exposition: exposition) }
    }

    /// The counters in Prometheus text (UTF-8).
    public func render() -> [UInt8] {
        let now = ContinuousClock.now
        if let last = lastRead.withLock({ $0 }), now - last.at < reuseInterval { return last.text }
        let text = read()
        lastRead.withLock { $0 = (now, text) }
        // Kept for the scrapes of the next interval only: at 10,000 services the text is
        // megabytes, which would otherwise stay resident from one scrape to the next.
        let interval = DispatchTimeInterval.nanoseconds(Int(reuseInterval / .nanoseconds(1)))
        Self.expiry.asyncAfter(deadline: .now() + interval) { [weak self] in
            self?.lastRead.withLock { last in
                if last?.at == now { last = nil }
            }
        }
        return text
    }

    /// Where kept texts are dropped once they can no longer be reused.
    private static let expiry = DispatchQueue(label: "ipvsctl.metrics-scrape-expiry")

    /// The text a scrape within the reuse interval would get, if one is kept.
    var keptText: [UInt8]? { lastRead.withLock { $0?.text } }

    private func read() -> [UInt8] {
        let exposition = naming.withLock { $0.exposition }
        var text: [UInt8] = []
        do {
            if includeRealServers {
                let entries = try table.table()
                exposition.render(virtualServices: entries.map(\.virtualService), into: &text)
                exposition.render(table: entries, into: &text)
            } else {
                exposition.render(virtualServices: try table.virtualServices(), into: &text)
            }
        } catch {
            metrics.errors(.read).increment()
            logger.warning("cannot read the kernel's counters for /metrics", metadata: ["error": "\(error)"])
        }
        return text
    }
}
