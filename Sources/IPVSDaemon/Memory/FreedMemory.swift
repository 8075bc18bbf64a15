import CMalloc
import Dispatch
import Synchronization

/// The heap's free pages, handed back to the kernel.
public enum FreedMemory {
    /// Puts every block of 128 KiB or more in a mapping of its own, unmapped when freed
    /// (`mallopt(M_MMAP_THRESHOLD)`). glibc otherwise raises that threshold to the size of the
    /// largest such block freed (up to 32 MiB): after the first full pass frees its arrays,
    /// blocks of that size come from the heap, and what the agent keeps settles among the holes
    /// they leave, which ``release()`` cannot give back. Natively at 10,000 services, the
    /// probe's resident set grew by 98 MB over the agent's first pass with the moving threshold
    /// and by 63 MB with a fixed one, for 57 MB in use (`memory-probe --agent`: the agent and
    /// the in-memory kernel tables it wrote). Call it first, before the config is loaded.
    /// Whether glibc took the setting.
    @discardableResult
    public static func keepLargeBlocksApart() -> Bool {
        mallopt(M_MMAP_THRESHOLD, 128 * 1024) == 1
    }

    /// Asks the kernel not to back this process with transparent huge pages
    /// (`prctl(PR_SET_THP_DISABLE)`). Where they are on for every process (`always`, as in
    /// Debian's kernels), the kernel's `khugepaged` collapses partly used 2 MiB ranges of the
    /// heap into huge pages, filling again the holes that ``release()`` gave back, as and when
    /// its scan comes by. At 10,000 services in the kernel lab the agent's resident set was
    /// 61.0-77.4 MiB from run to run (five runs), 60.0 and 60.9 MiB without huge pages (two,
    /// alternating in one boot with two of the other). The agent gains nothing from huge pages
    /// that would outweigh that: its passes are short and its memory is a goal.
    /// Whether the kernel took the setting.
    @discardableResult
    public static func withoutTransparentHugePages() -> Bool {
        cmalloc_disable_transparent_huge_pages() == 0
    }

    /// Gives the pages the allocator holds free back to the kernel (`malloc_trim`). A full pass
    /// reads and plans the whole table, a new config file is parsed whole, a `/metrics` scrape
    /// renders every series; all of it is freed after, but glibc keeps freed pages in its
    /// arenas for reuse, so without this the agent's resident memory stays at the peak of its
    /// largest pass or scrape. Blocking work (it walks the free lists): call it on the thread of
    /// the work that freed them, never on the cooperative pool.
    static func release() {
        schedule.withLock { $0.trimmed(at: .now) }
        _ = malloc_trim(0)
    }

    /// ``release()`` at most once per `interval` (``TrimSchedule``): the trim holds each arena's
    /// lock while it walks it, so a pass that allocates meanwhile waits, and a scraper polling
    /// several times a second would otherwise trim as often and slow the passes it watches. A
    /// request within the interval of the last trim runs on `queue` when the interval is over.
    static func release(atMostEvery interval: Duration, on queue: DispatchQueue) {
        switch schedule.withLock({ $0.request(at: .now, interval: interval) }) {
        case .now:
            _ = malloc_trim(0)
        case .after(let wait):
            let (seconds, attoseconds) = wait.components
            let nanoseconds = Int(seconds) * 1_000_000_000 + Int(attoseconds / 1_000_000_000)
            queue.asyncAfter(deadline: .now() + .nanoseconds(nanoseconds)) {
                schedule.withLock { $0.trimmed(at: .now, deferred: true) }
                _ = malloc_trim(0)
            }
        case .alreadyDeferred:
            break
        }
    }

    /// Whether a trim is put off (tests).
    static var isTrimDeferred: Bool { schedule.withLock { $0.isDeferred } }

    private static let schedule = Mutex(TrimSchedule())
}
