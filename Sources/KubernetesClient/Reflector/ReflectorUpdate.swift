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

    /// Applies one update; returns the keys of the objects it added, modified or deleted (a
    /// complete list that repeats an object unchanged does not name it), so that a consumer
    /// can work on those alone.
    @discardableResult
    public mutating func apply(_ update: ReflectorUpdate<Object>) -> Set<String> where Object: Equatable {
        switch update {
        case .replaced(let items, _, let resourceVersion):
            let listed = Dictionary(items.map { ($0.metadata.key, $0) }, uniquingKeysWith: { _, last in last })
            var changed = Set(objects.keys.filter { listed[$0] == nil })
            for (key, object) in listed where objects[key] != object { changed.insert(key) }
            objects = listed
            listResourceVersion = resourceVersion
            return changed
        case .event(.added(let object)), .event(.modified(let object)):
            objects[object.metadata.key] = object
            return [object.metadata.key]
        case .event(.deleted(let object)):
            objects[object.metadata.key] = nil
            return [object.metadata.key]
        case .event(.bookmark), .event(.error), .event(.rejected):
            return []
        }
    }
}
