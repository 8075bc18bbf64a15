extension ReconcileLoop {
    /// Raises the periodic resync (or the retry after a failure) when it is due.
    func watchResyncClock() async {
        while !Task.isCancelled {
            do { try await Task.sleep(for: .seconds(1)) } catch { return }
            let (due, failed) = memory.withLock { (ContinuousClock.now >= $0.nextResync, $0.failedLastTime) }
            if due { trigger(failed ? .retry : .resync) }
        }
    }

    /// When the next unprompted pass is due: soon after a failure (with backoff), soon while
    /// drains wait for their connections, else at the resync interval.
    func schedule(after succeeded: Bool) {
        memory.withLock { memory in
            let wait: Duration
            if succeeded {
                memory.backoff.reset()
                wait =
                    memory.drainsUnderway
                    ? min(configuration.drainPollInterval, configuration.resyncInterval) : configuration.resyncInterval
            } else {
                wait = memory.backoff.next()
            }
            memory.failedLastTime = !succeeded
            memory.nextResync = .now + wait
        }
    }
}
