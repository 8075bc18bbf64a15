import KubernetesAPI

/// What a reflector hands its consumer, in order.
public enum ReflectorUpdate<Object: KubernetesObject>: Sendable {
    /// A complete list: these are all the objects there are now; any object held before and
    /// not here is gone (deleted while no watch was running).
    case replaced(items: [Object], rejected: [RejectedObject], resourceVersion: String)
    /// One change since: `.added`, `.modified`, `.deleted` or `.rejected` (bookmarks and
    /// errors are the reflector's business and not passed on).
    case event(WatchEvent<Object>)
}

/// The local copy a consumer keeps: ``ReflectorUpdate``s applied in order, objects keyed by
/// `namespace/name`.
public struct ObjectStore<Object: KubernetesObject>: Sendable {
    public private(set) var objects: [String: Object] = [:]
    /// The last complete list's version.
    public private(set) var listResourceVersion: String?

    public init() {}

    public mutating func apply(_ update: ReflectorUpdate<Object>) {
        switch update {
        case .replaced(let items, _, let resourceVersion):
            objects = Dictionary(items.map { ($0.metadata.key, $0) }, uniquingKeysWith: { _, last in last })
            listResourceVersion = resourceVersion
        case .event(.added(let object)), .event(.modified(let object)):
            objects[object.metadata.key] = object
        case .event(.deleted(let object)):
            objects[object.metadata.key] = nil
        case .event(.bookmark), .event(.error), .event(.rejected):
            break
        }
    }
}
