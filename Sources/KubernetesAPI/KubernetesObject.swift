/// An object the API server lists and watches, decoded from its JSON.
///
/// The types here hold what the API server sends, as it sends it (addresses and protocols as
/// strings): whether a value makes sense is the mapping's question, so that one bad field skips
/// one object with a reason instead of failing a whole list.
public protocol KubernetesObject: Decodable, Sendable {
    var metadata: ObjectMeta { get }
    /// The collection across all namespaces, e.g. `/api/v1/services`.
    static var collectionPath: String { get }
}

/// `metadata` of an object (`ObjectMeta`), the fields this project reads.
public struct ObjectMeta: Codable, Hashable, Sendable {
    public var name: String
    public var namespace: String?
    public var uid: String?
    /// Opaque: compared for equality only, never ordered or parsed.
    public var resourceVersion: String?
    public var labels: [String: String]?
    public var annotations: [String: String]?

    public init(
        name: String, namespace: String? = nil, uid: String? = nil, resourceVersion: String? = nil,
        labels: [String: String]? = nil, annotations: [String: String]? = nil
    ) {
        self.name = name
        self.namespace = namespace
        self.uid = uid
        self.resourceVersion = resourceVersion
        self.labels = labels
        self.annotations = annotations
    }

    /// `namespace/name`, or `name` for cluster-scoped objects: what a store keys objects by.
    public var key: String {
        guard let namespace, !namespace.isEmpty else { return name }
        return "\(namespace)/\(name)"
    }
}

/// `metadata` of a list (`ListMeta`).
public struct ListMeta: Codable, Hashable, Sendable {
    public var resourceVersion: String?
    /// Present when the list was cut at `limit`: ask again with it for the next page.
    public var `continue`: String?
    public var remainingItemCount: Int?

    public init(resourceVersion: String? = nil, continue: String? = nil, remainingItemCount: Int? = nil) {
        self.resourceVersion = resourceVersion
        self.continue = `continue`
        self.remainingItemCount = remainingItemCount
    }
}
