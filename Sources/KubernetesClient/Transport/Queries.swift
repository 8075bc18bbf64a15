/// Which objects of a collection to ask for: the selectors a list and a watch share.
public struct ObjectSelector: Hashable, Sendable {
    /// Such as `!service.kubernetes.io/headless,!service.kubernetes.io/service-proxy-name`.
    public var labelSelector: String?
    /// Such as `metadata.name=node-a`.
    public var fieldSelector: String?

    public init(labelSelector: String? = nil, fieldSelector: String? = nil) {
        self.labelSelector = labelSelector
        self.fieldSelector = fieldSelector
    }

    var queryItems: [(String, String)] {
        [labelSelector.map { ("labelSelector", $0) }, fieldSelector.map { ("fieldSelector", $0) }].compactMap { $0 }
    }
}

/// One page of a list (`GET collection?limit=...`).
public struct ListQuery: Hashable, Sendable {
    /// How the server may answer relative to ``ListQuery/resourceVersion`` (`resourceVersionMatch`).
    public enum ResourceVersionMatch: String, Hashable, Sendable {
        case notOlderThan = "NotOlderThan"
        case exact = "Exact"
    }

    public var selector: ObjectSelector
    /// The most items in one page; nil asks for everything at once.
    public var limit: Int?
    /// The token of the previous page's `metadata.continue`. With it, the server ignores
    /// ``resourceVersion``: the page belongs to the first page's snapshot.
    public var continueToken: String?
    /// `"0"`: any version the server has at hand (its watch cache); `""` or nil: the latest, from
    /// etcd (a consistent read); anything else: not older than that version.
    public var resourceVersion: String?
    public var resourceVersionMatch: ResourceVersionMatch?

    public init(
        selector: ObjectSelector = ObjectSelector(), limit: Int? = nil, continueToken: String? = nil,
        resourceVersion: String? = nil, resourceVersionMatch: ResourceVersionMatch? = nil
    ) {
        self.selector = selector
        self.limit = limit
        self.continueToken = continueToken
        self.resourceVersion = resourceVersion
        self.resourceVersionMatch = resourceVersionMatch
    }

    var queryItems: [(String, String)] {
        var items = selector.queryItems
        if let limit { items.append(("limit", String(limit))) }
        if let continueToken, !continueToken.isEmpty {
            items.append(("continue", continueToken))
        } else {
            // The server refuses a continue token together with a resourceVersion.
            if let resourceVersion, !resourceVersion.isEmpty { items.append(("resourceVersion", resourceVersion)) }
            if let resourceVersionMatch { items.append(("resourceVersionMatch", resourceVersionMatch.rawValue)) }
        }
        return items
    }
}

/// A watch (`GET collection?watch=1&allowWatchBookmarks=true&...`).
public struct WatchQuery: Hashable, Sendable {
    public var selector: ObjectSelector
    /// Where to start: the version of the list, or of the last event or bookmark seen. Opaque:
    /// passed back as received.
    public var resourceVersion: String
    /// The server ends the watch after this long (a clean end, not an error).
    public var timeoutSeconds: Int?
    /// Ask for `BOOKMARK` events, which move the resume point on without an object change.
    public var allowBookmarks: Bool

    public init(
        selector: ObjectSelector = ObjectSelector(), resourceVersion: String, timeoutSeconds: Int? = nil,
        allowBookmarks: Bool = true
    ) {
        self.selector = selector
        self.resourceVersion = resourceVersion
        self.timeoutSeconds = timeoutSeconds
        self.allowBookmarks = allowBookmarks
    }

    var queryItems: [(String, String)] {
        var items = [("watch", "1")]
        if allowBookmarks { items.append(("allowWatchBookmarks", "true")) }
        if !resourceVersion.isEmpty { items.append(("resourceVersion", resourceVersion)) }
        if let timeoutSeconds { items.append(("timeoutSeconds", String(timeoutSeconds))) }
        return items + selector.queryItems
    }
}

/// `path?name=value&...` with each value percent-encoded as a query component.
func requestTarget(path: String, query: [(String, String)]) -> String {
    guard !query.isEmpty else { return path }
    return path + "?" + query.map { "\(percentEncoded($0.0))=\(percentEncoded($0.1))" }.joined(separator: "&")
}

/// RFC 3986 unreserved characters pass; everything else (`=`, `!`, `,`, `&`, space) is encoded,
/// so that selectors reach the server as written.
func percentEncoded(_ text: String) -> String {
    var encoded = ""
    for byte in text.utf8 {
        switch byte {
        case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"),
            UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "-"), UInt8(ascii: "."), UInt8(ascii: "_"),
            UInt8(ascii: "~"):
            encoded.unicodeScalars.append(Unicode.Scalar(byte))
        default:
            let hex = Array("0123456789ABCDEF".utf8)
            encoded += "%" + String(decoding: [hex[Int(byte >> 4)], hex[Int(byte & 0xF)]], as: UTF8.self)
        }
    }
    return encoded
}
