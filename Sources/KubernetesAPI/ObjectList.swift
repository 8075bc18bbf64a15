/// One page of a list (`ServiceList`, `EndpointSliceList`, `NodeList`).
///
/// Items are decoded one by one: an item that does not decode is kept aside in `rejected` with
/// its reason, and the rest of the page still arrives.
public struct ObjectList<Object: KubernetesObject>: Decodable, Sendable {
    public var metadata: ListMeta
    public var items: [Object]
    public var rejected: [RejectedObject]

    public init(metadata: ListMeta, items: [Object], rejected: [RejectedObject] = []) {
        self.metadata = metadata
        self.items = items
        self.rejected = rejected
    }

    private enum CodingKeys: String, CodingKey { case metadata, items }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        metadata = try container.decodeIfPresent(ListMeta.self, forKey: .metadata) ?? ListMeta()
        items = []
        rejected = []
        guard container.contains(.items), try !container.decodeNil(forKey: .items) else { return }
        var elements = try container.nestedUnkeyedContainer(forKey: .items)
        while !elements.isAtEnd {
            let index = elements.currentIndex
            do {
                items.append(try elements.decode(Object.self))
            } catch {
                // The failed decode did not advance the container: step over the element.
                let named = try? elements.decode(NameOnly.self)
                if named == nil { _ = try? elements.decode(Skipped.self) }
                let name = named?.metadata?.key
                rejected.append(RejectedObject(key: name, index: index, reason: DecodingProblem.describe(error)))
            }
        }
    }
}

/// An object that came from the API server but could not be used.
public struct RejectedObject: Error, Hashable, Sendable, CustomStringConvertible {
    /// `namespace/name`, when that much could be read.
    public var key: String?
    /// Its position in the list page, when it came in one.
    public var index: Int?
    public var reason: String

    public init(key: String?, index: Int? = nil, reason: String) {
        self.key = key
        self.index = index
        self.reason = reason
    }

    public var description: String {
        "\(key ?? index.map { "item \($0)" } ?? "an object"): \(reason)"
    }
}

/// Any JSON value, read over and thrown away.
struct Skipped: Decodable {
    init(from decoder: any Decoder) throws {}
}

/// Just enough of an object to name it in a report.
struct NameOnly: Decodable {
    struct Meta: Decodable {
        var name: String?
        var namespace: String?
        var key: String? {
            guard let name else { return nil }
            guard let namespace, !namespace.isEmpty else { return name }
            return "\(namespace)/\(name)"
        }
    }
    var metadata: Meta?
}

/// Turns a `DecodingError` into one line that says where and why.
public enum DecodingProblem {
    public static func describe(_ error: any Error) -> String {
        guard let error = error as? DecodingError else { return "\(error)" }
        func path(_ codingPath: [any CodingKey]) -> String {
            let text = codingPath.map { $0.intValue.map { "[\($0)]" } ?? ".\($0.stringValue)" }.joined()
            return text.hasPrefix(".") ? String(text.dropFirst()) : (text.isEmpty ? "(top)" : text)
        }
        switch error {
        case .typeMismatch(_, let context), .valueNotFound(_, let context), .dataCorrupted(let context):
            return "\(path(context.codingPath)): \(context.debugDescription)"
        case .keyNotFound(let key, let context):
            return "\(path(context.codingPath + [key])): missing"
        @unknown default:
            return "\(error)"
        }
    }
}
