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
    for (services, label) in [(100, "100"), (10_000, "10,000")] {
        Benchmark(
            "Config: reload after a one-service edit in a service file, \(label) services in files of 100",
            configuration: .init(scalingFactor: .kilo)
        ) { benchmark in
            let text = SyntheticTable(services: services).yaml()
            let items = text.components(separatedBy: "  - name: ").dropFirst().map { "  - name: " + $0 }
            let directory = NSTemporaryDirectory() + "ipvsctl-reload-files-bench-\(services)"
            try? FileManager.default.removeItem(atPath: directory)
            try FileManager.default.createDirectory(atPath: directory + "/services.d", withIntermediateDirectories: true)
            let config = directory + "/config.yaml"
            try "interface: ipvs0\nserviceFiles: [services.d/*.yaml]\n".write(toFile: config, atomically: true, encoding: .utf8)
            var files: [String] = []
            for part in stride(from: 0, to: items.count, by: 100) {
                let file = directory + "/services.d/part-\(String(format: "%04d", part / 100)).yaml"
                try ("services:\n" + items[part..<min(part + 100, items.count)].joined()).write(
                    toFile: file, atomically: true, encoding: .utf8)
                files.append(file)
            }
            // The middle file's first service's first endpoint gets a weight, then loses it again.
            let target = files[files.count / 2]
            let original = try String(contentsOfFile: target, encoding: .utf8)
            let endpoint = "{address: \(SyntheticTable.realServerAddress(0))}"
            let edited = original.replacingCharacters(
                in: original.range(of: endpoint)!, with: "{address: \(SyntheticTable.realServerAddress(0)), weight: 2}")
            // The two versions, put in place in turn by a link and a rename (two system calls,
            // where writing 42 KB through Foundation costs more than the reload).
            let versions = [directory + "/edited", directory + "/original"]
            try edited.write(toFile: versions[0], atomically: false, encoding: .utf8)
            try original.write(toFile: versions[1], atomically: false, encoding: .utf8)
            let staged = directory + "/staged"
            // Files older than the settling time: their stamps are trusted, as on a node.
            Thread.sleep(forTimeInterval: 2.1)
            var session = try ConfigSession(loading: config)
            benchmark.startMeasurement()
            for round in benchmark.scaledIterations {
                precondition(link(versions[round % 2], staged) == 0 && rename(staged, target) == 0)
                let change = try session.reload()
                precondition(change.readPartially && change.editedServices?.count == 1)
                blackHole(change)
            }
            benchmark.stopMeasurement()
            blackHole(session)
        }
    }
}
