import KubernetesAPI
import KubernetesClient
import Logging
import Synchronization
import Testing

/// Polls `condition` every 10 ms until it holds or `limit` passes; false when it never held.
func eventually(within limit: Duration = .seconds(5), _ condition: () -> Bool) async -> Bool {
    let deadline = ContinuousClock.now + limit
    while ContinuousClock.now < deadline {
        if condition() { return true }
        try? await Task.sleep(for: .milliseconds(10))
    }
    return condition()
}

/// What a reflector reported, in order, as short words.
final class RecordingObserver: ReflectorObserver {
    private let log = Mutex<[String]>([])
    var calls: [String] { log.withLock { $0 } }

    func relisted(reason: RelistReason) { log.withLock { $0.append("relisted \(reason)") } }
    func watchRestarted(reason: WatchRestartReason) { log.withLock { $0.append("watchRestarted \(reason)") } }
    func eventReceived(type: WatchEventType) { log.withLock { $0.append("event \(type)") } }
    func objectRejected(_ rejected: RejectedObject) { log.withLock { $0.append("rejected \(rejected.key ?? "?")") } }
    func synced() { log.withLock { $0.append("synced") } }
}

/// An update as a short line, for comparing sequences.
func describe(_ update: ReflectorUpdate<TestPod>) -> String {
    switch update {
    case .replaced(let items, let rejected, let version):
        let names = items.map(\.metadata.name).joined(separator: ",")
        return "replaced [\(names)]" + (rejected.isEmpty ? "" : " rejected \(rejected.count)") + " @\(version)"
    case .event(.added(let pod)): return "added \(pod.metadata.name)@\(pod.metadata.resourceVersion ?? "")"
    case .event(.modified(let pod)): return "modified \(pod.metadata.name)@\(pod.metadata.resourceVersion ?? "")"
    case .event(.deleted(let pod)): return "deleted \(pod.metadata.name)@\(pod.metadata.resourceVersion ?? "")"
    case .event(.rejected(let type, let rejected)): return "rejected \(type) \(rejected.key ?? "?")"
    case .event(.bookmark(let version)): return "bookmark \(version)"
    case .event(.error(let status)): return "error \(status)"
    }
}

let testLogger = Logger(label: "kubernetes-client-tests")

/// A client for `server` with a literal token.
func makeClient(
    for server: ScriptedAPIServer, token: KubernetesCredentials.BearerToken? = .literal("test-token"),
    configuration: KubernetesHTTPClient.Configuration = .init()
) throws -> KubernetesHTTPClient {
    try KubernetesHTTPClient(
        credentials: KubernetesCredentials(server: server.url, token: token),
        configuration: configuration, logger: testLogger)
}
