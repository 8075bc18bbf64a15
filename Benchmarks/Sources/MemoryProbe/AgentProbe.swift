import CHeap
import Config
import Glibc
@_spi(Benchmarks) import IPVSDaemon
import Logging
import Reconciler
import ReconcilerTestKit
import Workloads

/// The agent as `run --config` keeps it between passes, in a process of its own: the config
/// file's source, the reconcile loop after its first two full passes (into in-memory IPVS and
/// netfilter tables, whose own heap is left out) and one `/metrics` rendering. What it holds
/// beyond the models the main probe measures: the pass baseline's indices, the metrics'
/// series, the ledger.
func probeAgent(_ table: SyntheticTable) async {
    let realServers = Double(table.realServers)
    let directory = "/tmp/ipvsctl-memory-probe-\(getpid())"
    mkdir(directory, 0o755)
    let path = directory + "/config.yaml"
    guard let file = fopen(path, "w") else { fatalError("cannot write \(path)") }
    fputs(table.yaml(), file)
    fclose(file)
    defer {
        unlink(path)
        system("rm -rf '\(directory)'")
    }
    // As `run` does first (with --moving-threshold, glibc's default: the difference it makes).
    if !CommandLine.arguments.contains("--moving-threshold") { FreedMemory.keepLargeBlocksApart() }
    var logger = Logger(label: "memory-probe")
    logger.logLevel = .warning

    let kernel = InMemoryIPVSTable()
    let packetFilter = InMemoryPacketFilter()
    malloc_trim(0)
    let before = heapInUse()
    let residentBefore = residentBytes()
    var agent: (ReconcileLoop, ConfigFileSource, AgentMetrics)? = await {
        let metrics = AgentMetrics(version: "probe")
        let session: ConfigSession
        do { session = try ConfigSession(loading: path) } catch { fatalError("\(error)") }
        let source = ConfigFileSource(session: session, metrics: metrics, logger: logger)
        let reconciler = Reconciler(
            table: kernel, addresses: nil, packetFilter: packetFilter, ledgerStore: LedgerStore(directory: directory), logger: logger)
        let loop = ReconcileLoop(
            configuration: .init(node: "bench", resyncInterval: .seconds(3600)), source: source, reconciler: reconciler,
            table: kernel, health: nil, metrics: metrics, status: AgentStatus(loopStallBound: .seconds(3600)), notifier: nil,
            healthPorts: nil, logger: logger)
        await loop.benchmarkPass([.start])
        // A second full pass, as SIGHUP and the resync make: the mirror is then built from a
        // read of the table, as it is between passes on a node, not from the first pass's writes.
        await loop.benchmarkPass([.signal])
        _ = metrics.render()
        return (loop, source, metrics)
    }()
    malloc_trim(0)
    let withAgent = heapInUse()
    let residentWithAgent = residentBytes()
    precondition(agent?.1.current()?.state.services.count == table.services, "the agent must hold every service")
    // With --exit-holding, the process ends here: under heaptrack, what the agent holds is
    // then what it reports as never freed.
    if CommandLine.arguments.contains("--exit-holding") { exit(0) }
    // The kernel tables stay; the agent goes. What is freed was the agent's.
    agent = nil
    malloc_trim(0)
    let withoutAgent = heapInUse()
    print(
        "{\"services\": \(table.services), \"realServers\": \(table.realServers), "
            + "\"agentBytesPerRealServer\": \(Double(withAgent - withoutAgent) / realServers), "
            + "\"kernelTablesBytesPerRealServer\": \(Double(withoutAgent - before) / realServers), "
            + "\"residentGrowthBytesPerRealServer\": \(Double(residentWithAgent - residentBefore) / realServers)}")
    withExtendedLifetime((kernel, packetFilter)) {}
}
