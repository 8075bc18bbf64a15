// swift-tools-version: 6.1
import PackageDescription

let package = Package(
    name: "ipvsctl-swift",
    platforms: [.macOS(.v15)],
    products: [
        .executable(name: "ipvsctl-swift", targets: ["ipvsctl-swift"]),
        .library(name: "IPVSCore", targets: ["IPVSCore"]),
        .library(name: "IPVSWire", targets: ["IPVSWire"]),
        .library(name: "IPVSNetlink", targets: ["IPVSNetlink"]),
        // For the benchmark package (Benchmarks/), which depends on this one by path.
        .library(name: "Config", targets: ["Config"]),
        .library(name: "IPVSDaemon", targets: ["IPVSDaemon"]),
        .library(name: "HealthChecking", targets: ["HealthChecking"]),
        .library(name: "Reconciler", targets: ["Reconciler"]),
        .library(name: "ReconcilerTestKit", targets: ["ReconcilerTestKit"]),
        // For the fuzz package (Fuzz/), which depends on this one by path.
        .library(name: "NftablesWire", targets: ["NftablesWire"]),
        .library(name: "KubernetesAPI", targets: ["KubernetesAPI"]),
        .library(name: "KubernetesClient", targets: ["KubernetesClient"]),
        .library(name: "KubernetesMapping", targets: ["KubernetesMapping"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser.git", from: "1.8.2"),
        .package(url: "https://github.com/apple/swift-log.git", from: "1.16.2"),
        .package(url: "https://github.com/x-sheep/swift-property-based.git", from: "2.0.1"),
        .package(url: "https://github.com/apple/swift-nio.git", from: "2.101.2"),
        .package(url: "https://github.com/apple/swift-nio-ssl.git", from: "2.37.6"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle.git", from: "2.13.0"),
        .package(url: "https://github.com/swift-server/swift-prometheus.git", from: "2.4.1"),
        .package(url: "https://github.com/swiftlang/swift-subprocess.git", from: "1.0.2", traits: []),
        .package(url: "https://github.com/swift-server/async-http-client.git", from: "1.37.0"),
    ],
    targets: [
        // The kernel model: pure values, no I/O.
        .target(name: "IPVSCore"),

        // Generic-netlink and IPVS message encoding and decoding: bytes in, values out. No sockets.
        .target(name: "IPVSWire", dependencies: ["IPVSCore"]),

        // libnl-3 / libnl-genl-3 and linux/ip_vs.h, for the one module that owns the socket.
        .systemLibrary(
            name: "CNetlink",
            pkgConfig: "libnl-genl-3.0",
            providers: [.apt(["libnl-3-dev", "libnl-genl-3-dev", "libnl-route-3-dev"])]
        ),

        // The kernel boundary: one long-lived generic-netlink socket, batched writes, dumps, deadlines.
        .target(
            name: "IPVSNetlink",
            dependencies: [
                "IPVSCore", "IPVSWire", "CNetlink",
                .product(name: "Logging", package: "swift-log"),
            ]
        ),

        // libnetfilter_conntrack, for the one module that deletes conntrack entries: it owns the
        // ctnetlink socket and decodes entries; Swift matches them.
        .systemLibrary(
            name: "CNetfilterConntrack",
            pkgConfig: "libnetfilter_conntrack",
            providers: [.apt(["libnetfilter-conntrack-dev"])]
        ),

        // The kernel's conntrack table: deletes the entries of one backend's flows (UDP failover).
        .target(
            name: "Conntrack",
            dependencies: [
                "IPVSCore", "IPVSNetlink", "CNetfilterConntrack",
                .product(name: "Logging", package: "swift-log"),
            ]
        ),

        // Reads the kernel, plans against the desired state, applies, keeps the ledger.
        .target(
            name: "Reconciler",
            dependencies: [
                "IPVSCore", "IPVSWire", "IPVSNetlink", "Nftables", "Conntrack",
                .product(name: "Logging", package: "swift-log"),
            ]
        ),

        // Our nftables table as data: its layout, the JSON transaction for a plan, listings read
        // back. No I/O; the libnftables JSON schema (libnftables-json(5)) is the wire format.
        .target(name: "NftablesWire", dependencies: ["IPVSCore"]),

        // libnftables (the engine of the `nft` command): the one C library that can apply a JSON
        // batch atomically and list a table as JSON; used by the Nftables module only.
        .systemLibrary(
            name: "CNftables",
            pkgConfig: "libnftables",
            providers: [.apt(["libnftables-dev"])]
        ),

        // The netfilter boundary: runs NftablesWire's transactions through libnftables, per
        // network namespace.
        .target(
            name: "Nftables",
            dependencies: ["IPVSCore", "IPVSNetlink", "NftablesWire", "CNftables", .product(name: "Logging", package: "swift-log")]
        ),

        // xxHash's XXH3: a reload compares each service's text by its 128-bit hash, at memory
        // speed (Swift's Hasher is four times slower), instead of keeping the last text whole.
        .systemLibrary(
            name: "CXXHash",
            pkgConfig: "libxxhash",
            providers: [.apt(["libxxhash-dev"])]
        ),

        // libyaml (Debian libyaml-dev), for the YAML module only.
        .systemLibrary(
            name: "CYAML",
            pkgConfig: "yaml-0.1",
            providers: [.apt(["libyaml-dev"])]
        ),

        // YAML text to a flat tree of located nodes, composed from libyaml's events: the config
        // file's and the kubeconfig's reader. No Foundation, so the binary links none.
        .target(name: "YAML", dependencies: ["CYAML"]),

        // The config file: YAML to a validated DesiredState, every problem with file:line:column.
        .target(
            name: "Config",
            // NIOSSL parses the CA bundles of HTTPS checks at load, as the prober will.
            dependencies: ["IPVSCore", "CXXHash", "YAML", .product(name: "NIOSSL", package: "swift-nio-ssl")]
        ),

        // Kubernetes API objects as the API server sends them (Service, EndpointSlice, Node,
        // lists, watch events, Status): Decodable values, no I/O.
        .target(name: "KubernetesAPI"),

        // API objects to the desired model, kube-proxy's semantics: pure, table-tested.
        .target(name: "KubernetesMapping", dependencies: ["KubernetesAPI", "IPVSCore"]),

        // Talking to the API server: credentials (kubeconfig, in-cluster), paged lists, watches,
        // the reflector that keeps a local copy (relists, bookmarks, backoff).
        .target(
            name: "KubernetesClient",
            dependencies: [
                "KubernetesAPI", "YAML",
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
                .product(name: "Logging", package: "swift-log"),
            ]
        ),

        // Probes (TCP, HTTP(S), UDP, exec) on their own schedule, rise/fall, one probe per target.
        .target(
            name: "HealthChecking",
            dependencies: [
                "IPVSCore", "CEpoll",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
                .product(name: "Subprocess", package: "swift-subprocess"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "Logging", package: "swift-log"),
            ]
        ),

        // glibc's <malloc.h> (malloc_trim), which the Glibc module does not export: the agent
        // gives the memory a full pass freed back to the kernel.
        .systemLibrary(name: "CMalloc"),
        // Linux's <sys/epoll.h> and <sys/eventfd.h>, which the Glibc module does not export: the
        // health checker waits for its TCP probes' connects in one epoll set of its own.
        .systemLibrary(name: "CEpoll"),

        // The node agent: reconciler loop, health checker, metrics and health HTTP, systemd notify.
        .target(
            name: "IPVSDaemon",
            dependencies: [
                "IPVSCore", "IPVSNetlink", "Nftables", "Conntrack", "Reconciler", "Config", "HealthChecking", "CMalloc",
                "KubernetesAPI", "KubernetesMapping", "KubernetesClient",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "UnixSignals", package: "swift-service-lifecycle"),
                .product(name: "Prometheus", package: "swift-prometheus"),
                .product(name: "Logging", package: "swift-log"),
            ]
        ),

        // `selftest`: checks a node before the agent runs there. The checks are pure, over a
        // protocol of questions that the live inspection answers by looking at the kernel.
        .target(
            name: "Selftest",
            dependencies: ["IPVSCore", "IPVSNetlink", "Nftables", "Reconciler"]
        ),

        .executableTarget(
            name: "ipvsctl-swift",
            dependencies: [
                "IPVSCore", "IPVSNetlink", "Nftables", "Conntrack", "Reconciler", "Config", "IPVSDaemon", "KubernetesClient",
                "KubernetesMapping",
                "Selftest", "CMalloc",
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
            ]
        ),

        // Records real kernel traffic as the codec's byte fixtures; run inside the kernel lab.
        .executableTarget(
            name: "ipvs-fixture-capture",
            dependencies: ["IPVSCore", "IPVSWire", "IPVSNetlink"],
            path: "Integration/FixtureCapture"
        ),

        // Kernel stand-ins and parsers for unit tests that need no I/O: never for the lab tests.
        .target(
            name: "ReconcilerTestKit",
            dependencies: ["IPVSCore", "IPVSWire", "IPVSNetlink", "Nftables", "Reconciler"]
        ),

        .testTarget(
            name: "IPVSCoreTests",
            dependencies: ["IPVSCore", .product(name: "PropertyBased", package: "swift-property-based")]
        ),
        .testTarget(
            name: "IPVSWireTests",
            dependencies: [
                "IPVSCore", "IPVSWire",
                .product(name: "PropertyBased", package: "swift-property-based"),
            ]
        ),
        .testTarget(
            name: "SelftestTests",
            dependencies: ["Selftest", "IPVSCore", "IPVSNetlink", "Config"]
        ),
        .testTarget(
            name: "YAMLTests",
            dependencies: ["YAML"]
        ),
        .testTarget(
            name: "ConfigTests",
            dependencies: ["Config", "YAML", "IPVSCore"]
        ),
        .testTarget(
            name: "ReconcilerTests",
            dependencies: [
                "Reconciler", "ReconcilerTestKit", "IPVSCore", "IPVSWire", "IPVSNetlink", "Conntrack",
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        .testTarget(
            name: "HealthCheckingTests",
            dependencies: [
                "HealthChecking", "IPVSCore",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "ServiceLifecycleTestKit", package: "swift-service-lifecycle"),
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        .testTarget(
            name: "IPVSDaemonTests",
            dependencies: [
                "IPVSDaemon", "IPVSCore", "Reconciler", "ReconcilerTestKit", "Config", "KubernetesClient", "KubernetesAPI",
                .product(name: "Prometheus", package: "swift-prometheus"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "ServiceLifecycleTestKit", package: "swift-service-lifecycle"),
            ]
        ),
        .testTarget(
            name: "KubernetesMappingTests",
            dependencies: [
                "KubernetesMapping", "KubernetesAPI", "IPVSCore",
                .product(name: "PropertyBased", package: "swift-property-based"),
            ]
        ),
        .testTarget(
            name: "KubernetesClientTests",
            dependencies: [
                "KubernetesClient", "KubernetesAPI",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        .testTarget(
            name: "NftablesWireTests",
            dependencies: ["NftablesWire", "IPVSCore"]
        ),
        .testTarget(
            name: "ConntrackTests",
            dependencies: ["Conntrack", "IPVSCore"]
        ),
        .testTarget(
            name: "IPVSNetlinkTests",
            dependencies: ["IPVSNetlink", "IPVSWire", .product(name: "Logging", package: "swift-log")]
        ),
        // Runs only inside the kernel lab (Integration/lab.sh): talks to a real IPVS table.
        .testTarget(
            name: "IPVSIntegrationTests",
            dependencies: ["IPVSCore", "IPVSWire", "IPVSNetlink", "Nftables", "NftablesWire", "ReconcilerTestKit", "Conntrack"]
        ),
    ],
    swiftLanguageModes: [.v6]
)
