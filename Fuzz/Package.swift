// swift-tools-version: 6.1
// libFuzzer harnesses of ipvsctl-swift: one executable per decoder or parser that reads bytes
// from outside the process. A package of its own, so that the root package's builds (and CI)
// never build them; each harness must be built with `-sanitize=fuzzer,address`, which
// instruments the code and links libFuzzer. Run them all with `Fuzz/run.sh [SECONDS_PER_HARNESS]`.
import PackageDescription

func root(_ name: String) -> Target.Dependency {
    .product(name: name, package: "ipvsctl-swift")
}

/// One harness: `Sources/<name>/<name>.swift`, whose `@main` hands its test function to
/// libFuzzer's driver.
func harness(_ name: String, _ dependencies: [Target.Dependency]) -> Target {
    .executableTarget(name: name, dependencies: ["FuzzSupport"] + dependencies)
}

let package = Package(
    name: "ipvsctl-swift-fuzz",
    platforms: [.macOS(.v15)],
    dependencies: [
        // The root package; named, because a path dependency's identity is otherwise its
        // directory's name, which differs between clones.
        .package(name: "ipvsctl-swift", path: ".."),
        .package(url: "https://github.com/apple/swift-nio.git", from: "2.101.2"),
    ],
    targets: [
        // libFuzzer's driver entry point, declared for Swift.
        .target(name: "CLibFuzzer"),
        // What every harness shares: the driver, the input as bytes, property failures as traps.
        .target(name: "FuzzSupport", dependencies: ["CLibFuzzer"]),
        // Generic-netlink datagrams from the kernel: IPVS dump entries and replies, re-encoded.
        harness("FuzzIPVSReplies", [root("IPVSCore"), root("IPVSWire")]),
        // rtnetlink RTM_NEWADDR dumps (interface addresses) and the netlink conversation.
        harness("FuzzRouteReplies", [root("IPVSCore"), root("IPVSWire"), root("IPVSNetlink")]),
        // The config file: YAML bytes to a validated model or located problems.
        harness("FuzzConfig", [root("IPVSCore"), root("Config")]),
        // The agent's HTTP endpoints (/metrics, /healthz, /readyz, health ports) behind NIO's
        // HTTP/1.1 parser, in an EmbeddedChannel.
        harness(
            "FuzzHTTPRequest",
            [
                root("IPVSDaemon"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOEmbedded", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
            ]),
        // A watch response body cut into chunks, framed into lines, decoded into events.
        harness("FuzzWatchStream", [root("KubernetesAPI"), root("KubernetesClient")]),
        // Kubernetes objects and lists as the API server sends them, mapped to the model.
        harness("FuzzKubernetesJSON", [root("KubernetesAPI"), root("KubernetesMapping")]),
        // `nft -j list table` output read back into the packet-filter model.
        harness("FuzzNftablesListing", [root("IPVSCore"), root("NftablesWire")]),
    ],
    swiftLanguageModes: [.v6]
)
