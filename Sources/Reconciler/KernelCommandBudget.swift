#if DEBUG
    #if canImport(Glibc)
        import Glibc
    #elseif canImport(Musl)
        import Musl
    #endif
#endif

/// A test hook, compiled into debug builds only: with `IPVSCTL_TEST_STOP_AFTER_KERNEL_COMMANDS=N`
/// in its environment (read once), the process kills itself with SIGKILL right after the Nth
/// kernel command an apply sends (the nftables transaction, each IPVS command, each address
/// change, each sysctl), so that a lab test can stop an apply at every one of its steps. A
/// batch that would pass the Nth command is cut after it. Release builds send everything.
struct KernelCommandBudget {
    #if DEBUG
        static let fromEnvironment: Int? = getenv("IPVSCTL_TEST_STOP_AFTER_KERNEL_COMMANDS").flatMap { Int(String(cString: $0)) }
        private var remaining = Self.fromEnvironment
    #endif

    /// How many of `count` commands may be sent before the process stops.
    func allowance(_ count: Int) -> Int {
        #if DEBUG
            if let remaining { return min(max(remaining, 0), count) }
        #endif
        return count
    }

    /// Counts commands sent; the process stops here once the budget is spent.
    mutating func spend(_ count: Int) {
        #if DEBUG
            guard let left = remaining else { return }
            remaining = left - count
            if left - count <= 0 { raise(SIGKILL) }
        #endif
    }
}
