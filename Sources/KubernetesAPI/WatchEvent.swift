/// One line of a watch stream (`WatchEvent`): `{"type": ..., "object": ...}`.
public enum WatchEvent<Object: KubernetesObject>: Sendable {
    case added(Object)
    case modified(Object)
    case deleted(Object)
    /// Only `metadata.resourceVersion` is meaningful: where to resume from.
    case bookmark(resourceVersion: String)
    /// The server ends the watch with a reason; code 410 (`Expired`, `Gone`) means relist.
    case error(Status)
    /// A line whose object could not be decoded: skipped, and counted by the caller.
    case rejected(type: String, RejectedObject)

    /// The event's `type` as the API names it.
    public var typeName: String {
        switch self {
        case .added: "ADDED"
        case .modified: "MODIFIED"
        case .deleted: "DELETED"
        case .bookmark: "BOOKMARK"
        case .error: "ERROR"
        case .rejected(let type, _): type
        }
    }
}

extension WatchEvent: Decodable {
    private enum CodingKeys: String, CodingKey { case type, object }
    private struct BookmarkObject: Decodable {
        struct Meta: Decodable { var resourceVersion: String? }
        var metadata: Meta?
    }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        let type = try container.decode(String.self, forKey: .type)
        func object() -> Result<Object, RejectedObject> {
            do { return .success(try container.decode(Object.self, forKey: .object)) } catch {
                let key = (try? container.decode(NameOnly.self, forKey: .object))?.metadata?.key
                return .failure(RejectedObject(key: key, reason: DecodingProblem.describe(error)))
            }
        }
        switch type {
        case "ADDED", "MODIFIED", "DELETED":
            switch object() {
            case .success(let object):
                self = type == "ADDED" ? .added(object) : type == "MODIFIED" ? .modified(object) : .deleted(object)
            case .failure(let rejected):
                self = .rejected(type: type, rejected)
            }
        case "BOOKMARK":
            let bookmark = try container.decode(BookmarkObject.self, forKey: .object)
            guard let version = bookmark.metadata?.resourceVersion else {
                throw DecodingError.keyNotFound(
                    CodingKeys.object,
                    .init(
                        codingPath: [CodingKeys.object],
                        debugDescription: "a BOOKMARK without metadata.resourceVersion"))
            }
            self = .bookmark(resourceVersion: version)
        case "ERROR":
            self = .error(try container.decode(Status.self, forKey: .object))
        default:
            throw DecodingError.dataCorruptedError(forKey: .type, in: container, debugDescription: "unknown watch event type '\(type)'")
        }
    }
}

/// The API's error object (`Status`), as an HTTP error body or an `ERROR` watch event.
public struct Status: Codable, Hashable, Sendable, CustomStringConvertible {
    public var code: Int?
    /// `Expired`, `Gone`, `Unauthorized`, `Forbidden`, ...
    public var reason: String?
    public var message: String?

    public init(code: Int? = nil, reason: String? = nil, message: String? = nil) {
        self.code = code
        self.reason = reason
        self.message = message
    }

    /// The resourceVersion asked for is older than the server keeps: list again.
    public var isExpired: Bool { code == 410 || reason == "Expired" || reason == "Gone" }

    public var description: String {
        [code.map { "\($0)" }, reason, message].compactMap { $0 }.joined(separator: " ")
    }
}
