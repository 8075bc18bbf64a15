extension ReconcileLoop {
    /// Feeds systemd's watchdog at half its interval while the loops are healthy: a stuck
    /// reconcile or a stalled health checker gets the agent restarted.
    func feedWatchdog() async {
        let interval = notifier?.watchdogInterval
        var wasStalled = false
        var lastFed = ContinuousClock.now
        while !Task.isCancelled {
            do { try await Task.sleep(for: .seconds(1)) } catch { return }
            let stalled = health?.isStalled() ?? false
            if stalled != wasStalled {
                wasStalled = stalled
                status.checker(stalled: stalled)
                metrics.checkerStalled.set(to: stalled ? 1 : 0)
                if stalled {
                    logger.error("the health checker's loop is stalled; the watchdog is no longer fed")
                } else {
                    logger.notice("the health checker's loop runs again")
                }
            }
            guard let interval, ContinuousClock.now - lastFed >= interval / 2, status.problem() == nil else { continue }
            notifier?.notify(.watchdog)
            lastFed = .now
        }
    }
}
