import Benchmark
import Config
import Foundation
import Workloads

/// The agent's reload of its config file after one service was edited (`ConfigSession`): the
/// file read and compared with the last good text, the edited service read and checked again. At
/// 10,000 services it should cost about what it costs at 100.
func configReloadBenchmarks() {
    for (services, label) in [(100, "100"), (10_000, "10,000")] {
        Benchmark("Config: reload after a one-service edit, \(label) services") { benchmark in
            let text = SyntheticTable(services: services).yaml()
            // The middle service's first endpoint gets a weight, then loses it again.
            let endpoint = "{address: \(SyntheticTable.realServerAddress(0))}"
            let service = text.range(of: "  - name: bench/s\(services / 2)\n")!
            let line = text.range(of: endpoint, range: service.upperBound..<text.endIndex)!
            let edited = text.replacingCharacters(in: line, with: "{address: \(SyntheticTable.realServerAddress(0)), weight: 2}")
            // Two files, read in turn as the config's new content, as the agent reads its file.
            let directory = NSTemporaryDirectory() + "ipvsctl-reload-bench-\(services)"
            try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
            let files = [directory + "/edited.yaml", directory + "/original.yaml"]
            try edited.write(toFile: files[0], atomically: true, encoding: .utf8)
            try text.write(toFile: files[1], atomically: true, encoding: .utf8)
            var session = try ConfigSession(path: files[1], text: Array(text.utf8))
            benchmark.startMeasurement()
            for round in benchmark.scaledIterations {
                let change = try session.load(contentsOf: files[round % 2])
                precondition(change.readPartially && change.editedServices?.count == 1)
                blackHole(change)
            }
            // Freeing the session (10,000 services) is not part of a reload.
            benchmark.stopMeasurement()
            blackHole(session)
        }
    }
}
