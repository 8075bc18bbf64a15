import CMalloc

/// The heap's free pages, handed back to the kernel.
enum FreedMemory {
    /// Gives the pages the allocator holds free back to the kernel (`malloc_trim`). A full pass
    /// reads and plans the whole table, a new config file is parsed whole, a `/metrics` scrape
    /// renders every series; all of it is freed after, but glibc keeps freed pages in its
    /// arenas for reuse, so without this the agent's resident memory stays at the peak of its
    /// largest pass or scrape. Blocking work (it walks the free lists): call it on the thread of
    /// the work that freed them, never on the cooperative pool.
    static func release() {
        _ = malloc_trim(0)
    }
}
