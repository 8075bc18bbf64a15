/// Exponential backoff for retrying failed kernel writes: 1 s, 2 s, 4 s ... up to a ceiling,
/// back to the start after a clean reconcile.
struct Backoff: Sendable {
    var initial: Duration = .seconds(1)
    var maximum: Duration = .seconds(30)
    private(set) var failures = 0

    init(initial: Duration = .seconds(1), maximum: Duration = .seconds(30)) {
        self.initial = initial
        self.maximum = maximum
    }

    /// Records a failure; returns how long to wait before the retry.
    mutating func next() -> Duration {
        defer { failures += 1 }
        let factor = 1 << min(failures, 16)
        return min(initial * factor, maximum)
    }

    mutating func reset() { failures = 0 }
}
