/// The `result` label of the counters of attempts (reconciles, config reloads).
enum AttemptResult: String, Sendable, CaseIterable {
    case success, failure

    init(succeeded: Bool) { self = succeeded ? .success : .failure }
}

/// The `kind` label of `ipvsctl_reconcile_errors_total`.
enum ReconcileErrorKind: String, Sendable, CaseIterable {
    /// The kernel could not be read (at a pass, or for a scrape's counters).
    case read
    /// The plan could not be applied.
    case apply
    /// The ledger could not be read or written.
    case ledger
    /// A guard refused the plan (too many deletions, a collision).
    case `guard`
    /// The kernel refused one command of a batch.
    case command
}
