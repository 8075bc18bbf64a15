import CMalloc
import Synchronization

/// The heap's free pages, handed back to the kernel.
enum FreedMemory {
    /// Gives the pages the allocator holds free back to the kernel (`malloc_trim`). A full pass
    /// reads and plans the whole table, a new config file is parsed whole, a `/metrics` scrape
    /// renders every series; all of it is freed after, but glibc keeps freed pages in its
    /// arenas for reuse, so without this the agent's resident memory stays at the peak of its
    /// largest pass or scrape. Blocking work (it walks the free lists): call it on the thread of
    /// the work that freed them, never on the cooperative pool.
    static func release() {
        lastRelease.withLock { $0 = .now }
        _ = malloc_trim(0)
    }

    /// ``release()``, unless one ran within `interval`. The trim holds each arena's lock while
    /// it walks it, so a pass that allocates meanwhile waits: a scraper polling several times a
    /// second would otherwise trim as often, and slow the passes it watches. Whether it trimmed.
    @discardableResult
    static func release(unlessWithin interval: Duration) -> Bool {
        let due = lastRelease.withLock { last in
            guard last.map({ .now - $0 >= interval }) ?? true else { return false }
            last = .now
            return true
        }
        if due { _ = malloc_trim(0) }
        return due
    }

    private static let lastRelease = Mutex<ContinuousClock.Instant?>(nil)
}
