import KubernetesAPI

/// Every object of a collection at one resourceVersion.
public struct CompleteList<Object: KubernetesObject>: Sendable {
    public var items: [Object]
    /// Objects that did not decode, skipped.
    public var rejected: [RejectedObject]
    public var resourceVersion: String
}

extension KubernetesHTTPClient {
    /// All pages of a consistent list (resourceVersion `""`: the latest, read from etcd), for
    /// one-shot commands. When the continue token expires between pages (410) the list starts
    /// over, at most `attempts` times.
    public func listAll<Object: KubernetesObject>(
        _ type: Object.Type = Object.self,
        selector: ObjectSelector = ObjectSelector(),
        pageSize: Int = 500, attempts: Int = 3
    ) async throws -> CompleteList<Object> {
        var attempt = 1
        while true {
            var items: [Object] = []
            var rejected: [RejectedObject] = []
            var continueToken: String?
            do {
                repeat {
                    let page = try await list(
                        Object.self,
                        query: ListQuery(
                            selector: selector, limit: pageSize, continueToken: continueToken, resourceVersion: ""))
                    items += page.items
                    rejected += page.rejected
                    continueToken = page.metadata.continue.flatMap { $0.isEmpty ? nil : $0 }
                    if continueToken == nil {
                        return CompleteList(
                            items: items, rejected: rejected,
                            resourceVersion: page.metadata.resourceVersion ?? "")
                    }
                } while true
            } catch let error as KubernetesAPIError where error.isExpired && continueToken != nil && attempt < attempts {
                attempt += 1
            }
        }
    }
}
