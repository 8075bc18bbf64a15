/// An address the agent will listen on.
public struct Listener: Hashable, Sendable {
    /// What listens there: "metrics", or the service whose health port it is.
    public var purpose: String
    public var host: String
    public var port: UInt16

    public init(purpose: String, host: String, port: UInt16) {
        self.purpose = purpose
        self.host = host
        self.port = port
    }

    var address: String { host.contains(":") ? "[\(host)]:\(port)" : "\(host):\(port)" }
}

/// Whether each listener's address can be bound now.
enum ListenerChecks {
    static func listeners(_ listeners: [Listener], _ inspection: some NodeInspecting) -> [CheckResult] {
        listeners.map { listener in
            switch inspection.bind(host: listener.host, port: listener.port) {
            case .free:
                return CheckResult(.listener, subject: listener.address, .ok, "\(listener.purpose) can listen here")
            case .inUse:
                return CheckResult(
                    .listener, subject: listener.address, .fail, "in use: \(listener.purpose) cannot listen here",
                    fix:
                        "stop what listens there or choose another address (if it is the agent itself, selftest is meant to run before it starts)"
                )
            case .failed(let reason):
                return CheckResult(
                    .listener, subject: listener.address, .fail, "\(listener.purpose) cannot listen here: \(reason)",
                    fix: "choose an address this node has")
            }
        }
    }
}
