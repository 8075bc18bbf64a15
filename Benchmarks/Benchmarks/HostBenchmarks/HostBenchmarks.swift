import Benchmark
import Config
import IPVSCore
import IPVSDaemon
import Workloads

/// The host-side half of the benchmarks: what costs CPU in `apply` and in the agent, without a kernel.
/// Goals (docs: Benchmarks/README.md): the planner diffs 100,000 real servers in ≤ 20 ms.
/// Benchmarks, not tests: nothing here asserts a time.
let benchmarks: @Sendable () -> Void = {
    Benchmark.defaultConfiguration = .init(
        metrics: [.wallClock, .cpuTotal, .mallocCountTotal, .peakMemoryResident],
        timeUnits: .milliseconds,
        warmupIterations: 1,
        maxDuration: .seconds(10),
        maxIterations: 30
    )

    // 10,000 services × 10 real servers = 100,000 real servers, the full-size kernel workload.
    plannerBenchmark("Planner no-op, 100,000 real servers") { ($0.desired, $0.observed, $0.ledger) }
    plannerBenchmark("Planner churn 1 %, 100,000 real servers") { ($0.churned, $0.observed, $0.ledger) }
    plannerBenchmark("Planner cold, 100,000 real servers") { ($0.desired, [], Ledger()) }

    Benchmark("Endpoint selection, 10,000 services") { benchmark in
        let fixture = Fixture.full
        for _ in benchmark.scaledIterations {
            blackHole(EndpointSelection.select(fixture.state, node: Fixture.node))
        }
    } setup: {
        _ = Fixture.full
    }

    Benchmark(
        "Config parse and validate, 10,000 services",
        configuration: .init(maxIterations: 10)
    ) { benchmark in
        let fixture = Fixture.full
        for _ in benchmark.scaledIterations {
            blackHole(try ConfigLoader.parse(fixture.yaml, file: "bench.yaml"))
        }
    } setup: {
        _ = Fixture.full
    }

    healthCheckBenchmark()

    kubernetesMappingBenchmarks()

    agentEventBenchmarks()

    configReloadBenchmarks()

    // What a reconcile records for /metrics: the per-service blackholed and fallback series
    // (20,000 labelled series here), into new metrics as at the agent's first reconcile.
    Benchmark("Metrics: record a reconcile, 10,000 services", configuration: .init(maxIterations: 5)) { benchmark in
        let fixture = Fixture.full
        for _ in benchmark.scaledIterations {
            let metrics = AgentMetrics(version: "bench")
            metrics.recordSelection(fixture.desired, health: nil, state: fixture.state, node: Fixture.node)
            blackHole(metrics)
        }
    } setup: {
        _ = Fixture.full
    }

    // A scrape of /metrics once that is recorded: the registry's text, the per-service families
    // (rendered by hand, sorted) and the kernel's counters of every virtual service, as the
    // agent renders them.
    Benchmark("Metrics: scrape, 10,000 services") { benchmark in
        let scrape = Fixture.full.scrape
        benchmark.startMeasurement()
        for _ in benchmark.scaledIterations {
            blackHole(scrape.answer(path: "/metrics"))
        }
    } setup: {
        _ = Fixture.full
    }
}

/// The planner alone on the full table: `inputs` picks what is desired, what the kernel holds
/// and what the ledger owns (the VIPs are bound whenever the table is there).
func plannerBenchmark(
    _ name: String, inputs: @escaping @Sendable (Fixture) -> (DesiredKernelState, [ObservedTableEntry], Ledger)
) {
    Benchmark(name) { benchmark in
        let (desired, observed, ledger) = inputs(Fixture.full)
        let bound = observed.isEmpty ? [] : Fixture.full.desired.addresses
        for _ in benchmark.scaledIterations {
            blackHole(
                Planner.plan(
                    desired: desired, observed: observed, observedAddresses: bound,
                    ledger: ledger, options: Planner.Options(now: 0)))
        }
    } setup: {
        _ = Fixture.full
    }
}
