import CMalloc

/// The allocator's settings for a command that runs once and exits (`validate`, `diff`,
/// `apply`, `list`): what it frees is kept for its next allocations, never handed back to the
/// kernel and faulted in again.
///
/// glibc's defaults suit a process that lives on: blocks of 128 KiB and more get mappings of
/// their own, unmapped when freed, and the heap's top is given back once 128 KiB of it is free.
/// A one-shot apply allocates and frees arrays of megabytes (the table read, the config's tree,
/// the plan), and each new one was faulted in page by page: at 10,000 services in the kernel lab
/// a no-op apply took 12,000-14,000 page faults, with these settings about 1,000 (the heap grows
/// by 64 MiB at a time, in whole huge pages where the kernel makes them), and ran in 4.19-4.35 s
/// instead of 4.49-4.63 s (A/B, three rounds). The agent keeps its own settings
/// (`FreedMemory`): its resident memory is a goal, a one-shot command's is not.
enum OneShotHeap {
    static func configure() {
        // Grow the heap 64 MiB at a time, never shrink it, and take blocks from it up to the
        // largest size glibc allows (32 MiB) rather than mapping each apart.
        _ = mallopt(M_TOP_PAD, 64 << 20)
        _ = mallopt(M_TRIM_THRESHOLD, Int32.max)
        _ = mallopt(M_MMAP_THRESHOLD, 32 << 20)
    }
}
