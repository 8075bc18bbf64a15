import Benchmark
import Config
import Foundation
import Workloads

/// The agent's reload of its config file after one service was edited (`ConfigSession`): the
/// bytes compared with the last good text, the edited service read and checked again. At
/// 10,000 services it should cost about what it costs at 100.
func configReloadBenchmarks() {
    for (services, label) in [(100, "100"), (10_000, "10,000")] {
        Benchmark("Config: reload after a one-service edit, \(label) services") { benchmark in
            let text = SyntheticTable(services: services).yaml()
            // The middle service's first endpoint gets a weight, then loses it again.
            let endpoint = "{address: \(SyntheticTable.realServerAddress(0))}"
            let service = text.range(of: "  - name: bench/s\(services / 2)\n")!
            let line = text.range(of: endpoint, range: service.upperBound..<text.endIndex)!
            let original = Array(text.utf8)
            let edited = Array(
                text.replacingCharacters(in: line, with: "{address: \(SyntheticTable.realServerAddress(0)), weight: 2}").utf8)
            var session = try ConfigSession(path: "bench.yaml", text: original)
            benchmark.startMeasurement()
            for round in benchmark.scaledIterations {
                let change = try session.load(round % 2 == 0 ? edited : original)
                precondition(change.readPartially && change.editedServices?.count == 1)
                blackHole(change)
            }
            // Freeing the session (10,000 services) is not part of a reload.
            benchmark.stopMeasurement()
            blackHole(session)
        }
    }
}
