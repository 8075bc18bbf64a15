import IPVSCore

/// Sees every probe as the checker folds its result in: the hook for metrics, so that this
/// module depends on no metrics library.
///
/// Called from the checker's loop, one call at a time: keep it short and do not block.
public protocol HealthCheckObserver: Sendable {
    /// One probe of `target` finished with `result`; `transition` is the verdict change it
    /// caused, if any.
    func probeCompleted(_ target: HealthTarget, result: ProbeResult, transition: HealthTransition?)
}
