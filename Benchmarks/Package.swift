// swift-tools-version: 6.1
// Host-side microbenchmarks of ipvsctl-swift (no kernel needed). A package of its own, so that
// the root package's `swift build --build-tests` (and CI) never builds the benchmark harness.
// Run them with `swift package benchmark` here, or everything with `Benchmarks/run.sh`.
import PackageDescription

/// What the benchmarks use of the root package.
let root: [Target.Dependency] = [
    .product(name: "IPVSCore", package: "ipvsctl-swift"),
    .product(name: "Config", package: "ipvsctl-swift"),
    .product(name: "KubernetesAPI", package: "ipvsctl-swift"),
    .product(name: "KubernetesMapping", package: "ipvsctl-swift"),
]

let package = Package(
    name: "ipvsctl-swift-benchmarks",
    platforms: [.macOS(.v15)],
    dependencies: [
        // The root package; named, because a path dependency's identity is otherwise its
        // directory's name, which differs between clones.
        .package(name: "ipvsctl-swift", path: ".."),
        .package(url: "https://github.com/apple/swift-log.git", from: "1.16.2"),
        .package(url: "https://github.com/ordo-one/benchmark.git", from: "1.38.1", traits: ["MallocInterposer"]),
    ],
    targets: [
        // The synthetic workloads, shaped like the kernel-lab ones (Benchmarks/Kernel/workloads.py).
        .target(
            name: "Workloads",
            dependencies: [.product(name: "IPVSCore", package: "ipvsctl-swift")]
        ),
        // glibc's count of heap bytes in use, for the memory probe.
        .target(name: "CHeap"),
        // Heap bytes per real server of each model, in a process without the harness's
        // malloc interposer.
        .executableTarget(
            name: "memory-probe",
            dependencies: [
                "Workloads", "CHeap",
                // The agent's loop over in-memory kernel tables (--agent).
                .product(name: "IPVSDaemon", package: "ipvsctl-swift"),
                .product(name: "Reconciler", package: "ipvsctl-swift"),
                .product(name: "ReconcilerTestKit", package: "ipvsctl-swift"),
                .product(name: "Logging", package: "swift-log"),
            ] + root,
            path: "Sources/MemoryProbe"
        ),
        // A one-shot apply's phases against in-memory kernel tables, to profile natively.
        .executableTarget(
            name: "apply-profile",
            dependencies: [
                .product(name: "Reconciler", package: "ipvsctl-swift"),
                .product(name: "ReconcilerTestKit", package: "ipvsctl-swift"),
                .product(name: "Logging", package: "swift-log"),
            ] + root,
            path: "Sources/ApplyProfile"
        ),
        .executableTarget(
            name: "HostBenchmarks",
            dependencies: [
                "Workloads", .product(name: "Benchmark", package: "benchmark"),
                .product(name: "IPVSDaemon", package: "ipvsctl-swift"),
                .product(name: "HealthChecking", package: "ipvsctl-swift"),
                // In-memory kernel tables, for the agent's passes without a kernel.
                .product(name: "Reconciler", package: "ipvsctl-swift"),
                .product(name: "ReconcilerTestKit", package: "ipvsctl-swift"),
                .product(name: "Logging", package: "swift-log"),
            ] + root,
            path: "Benchmarks/HostBenchmarks",
            plugins: [.plugin(name: "BenchmarkPlugin", package: "benchmark")]
        ),
    ],
    swiftLanguageModes: [.v6]
)
