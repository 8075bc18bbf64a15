/// Every check's result, in the order they ran.
public struct SelftestReport: Hashable, Sendable {
    public var results: [CheckResult]

    public init(results: [CheckResult]) {
        self.results = results
    }

    /// The worst status: the node is ready for the agent unless it is `.fail`.
    public var status: CheckStatus { results.map(\.status).max() ?? .ok }

    public func count(_ status: CheckStatus) -> Int { results.count { $0.status == status } }

    /// The results of one check.
    public func results(of check: CheckID) -> [CheckResult] { results.filter { $0.check == check } }
}
