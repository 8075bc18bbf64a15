import Foundation
import ReconcilerTestKit
import Testing

#if canImport(Glibc)
    import Glibc
#endif

extension KernelLab {
    /// The agent under constant churn: config edits (atomic renames and in-place writes), a
    /// backend dying and returning, someone running `ipvsadm -d`/`-e` on owned and on foreign
    /// objects, `/metrics` scraped ten times a second and slow clients on its health port. At
    /// every quiet point the table (`ipvsadm -Sn`, the witness) must equal what the config makes
    /// plus the foreign service exactly as its owner last set it.
    ///
    /// The test command runs a short soak; `Integration/soak.sh` runs the long one
    /// (`IPVSCTL_SOAK_SECONDS`, `IPVSCTL_SOAK_SERVICES`, `IPVSCTL_SOAK_REPORT` for its table).
    @Suite
    struct SoakLabTests {
        typealias Lab = ReconcilerLabTests

        static func setting(_ name: String, default value: Int) -> Int {
            ProcessInfo.processInfo.environment[name].flatMap { Int($0) } ?? value
        }

        /// What someone else owns: a service the agent must never touch, whose weight its owner
        /// changes during the soak.
        struct Foreign {
            var weight = 5
            var rules: Set<String> {
                ["-A -t 192.0.2.200:80 -s wrr", "-a -t 192.0.2.200:80 -r 10.64.255.1:80 -m -w \(weight)"]
            }
        }

        enum Event: String, CaseIterable {
            case weightEditRenamed, membershipEditInPlace, backendDies, ownedRealServerDeleted, ownedWeightEdited,
                backendReturns, foreignWeightEdited
        }

        @Test("the agent under churn keeps the table as declared, foreign objects as their owner left them")
        func churn() throws {
            let seconds = Self.setting("IPVSCTL_SOAK_SECONDS", default: 60)
            let eventSeconds = Self.setting("IPVSCTL_SOAK_EVENT_SECONDS", default: 2)
            let slowClientCount = Self.setting("IPVSCTL_SOAK_SLOW_CLIENTS", default: 50)
            var model = SoakModel(services: Self.setting("IPVSCTL_SOAK_SERVICES", default: 50))
            var foreign = Foreign()

            let topology = try LabTopology()
            defer { topology.tearDown() }
            let director = topology.director
            try topology.addBackend(named: "web-0")
            try topology.addBackend(named: "web-1")
            try Shell.run("ip", "-n", director, "link", "add", "rs0", "type", "dummy")
            try Shell.run("ip", "-n", director, "addr", "add", SoakModel.realServerNetwork, "dev", "rs0")
            try Shell.run("ip", "-n", director, "link", "set", "rs0", "up")
            func ipvsadm(_ arguments: [String]) throws -> String {
                try Shell.run(["ip", "netns", "exec", director, "ipvsadm"] + arguments)
            }
            try Shell.run(["ip", "netns", "exec", director, "ipvsadm", "-R"], input: foreign.rules.sorted().joined(separator: "\n") + "\n")

            let agent = try LabAgent(namespace: director, config: model.config, node: "node-a")
            let started = Date()
            // The first apply of 2,000 services x 10 in a debug build under emulation takes minutes.
            try agent.start(resyncSeconds: 5, readySeconds: max(90, Double(model.maximumServices) / 4))
            let readySeconds = Date().timeIntervalSince(started)
            let pid = try #require(agent.processIdentifier)
            let baseline = Self.processFigures(pid)
            // Resident memory after every event, to tell growth from the allocator settling.
            var memory = MemorySeries(start: Date())
            memory.sample(baseline)

            var convergence: [Double] = []
            func quietPoint() throws {
                for backend in [0, 1] where !model.webBackendsUp.contains(backend) {
                    try topology.startServer(backend)
                    model.webBackendsUp.insert(backend)
                }
                let expected = model.expectedRules.union(foreign.rules)
                do {
                    convergence.append(
                        try LabWait.until("the table is as declared", seconds: 240) {
                            Set(try ipvsadm(["-Sn"]).split(separator: "\n").map(String.init)) == expected
                        })
                } catch {
                    let table = Set(try ipvsadm(["-Sn"]).split(separator: "\n").map(String.init))
                    Issue.record(
                        """
                        \(error) (quiet point \(convergence.count + 1)); missing \(expected.subtracting(table).sorted().prefix(10)), \
                        extra \(table.subtracting(expected).sorted().prefix(10)); the agent's log:\n\(agent.log.suffix(4000))
                        """)
                    throw error
                }
            }
            try quietPoint()

            // Load beside the churn: /metrics ten times a second, and slow clients on the health port.
            let stopFile = NSTemporaryDirectory() + "ipvsctl-soak-stop-\(UInt32.random(in: 0...UInt32.max))"
            defer { try? FileManager.default.removeItem(atPath: stopFile) }
            let (scraper, scrapeOutput) = try LabPeers.startClient(
                in: director, "http-scrape", "127.0.0.1", "9469", "/metrics", stopFile, "0.1")
            let (slowClients, slowOutput) = try LabPeers.startClient(
                in: director, "http-slow", "127.0.0.1", "\(SoakModel.healthPort)", "\(slowClientCount)", stopFile)
            defer {
                FileManager.default.createFile(atPath: stopFile, contents: nil)
                scraper.waitUntilExit()
                slowClients.waitUntilExit()
            }

            var applied: [Event: Int] = [:]
            var generator = SystemRandomNumberGenerator()
            let end = Date().addingTimeInterval(Double(seconds))
            var step = 0
            while Date() < end {
                let event = Event.allCases[step % Event.allCases.count]
                step += 1
                let service = Int.random(in: 0..<model.serviceCount, using: &generator)
                let realServer = SoakModel.realServer(service, Int.random(in: 0..<SoakModel.realServersPerService, using: &generator))
                switch event {
                case .weightEditRenamed:
                    model.weights[service] = model.weights[service] % 9 + 1
                    try agent.rewrite(config: model.config)
                case .membershipEditInPlace:
                    model.serviceCount += model.serviceCount == model.maximumServices ? -1 : 1
                    try Self.writeInPlace(model.config, to: agent.configPath)
                case .backendDies:
                    try topology.stopServer(0)
                    model.webBackendsUp.remove(0)
                case .backendReturns:
                    try topology.startServer(0)
                    model.webBackendsUp.insert(0)
                case .ownedRealServerDeleted:
                    try ipvsadm(["-d", "-t", "\(SoakModel.vip(service)):80", "-r", "\(realServer):8080"])
                case .ownedWeightEdited:
                    try ipvsadm(["-e", "-t", "\(SoakModel.vip(service)):80", "-r", "\(realServer):8080", "-m", "-w", "77"])
                case .foreignWeightEdited:
                    foreign.weight = foreign.weight % 50 + 1
                    try ipvsadm(["-e", "-t", "192.0.2.200:80", "-r", "10.64.255.1:80", "-m", "-w", "\(foreign.weight)"])
                }
                applied[event, default: 0] += 1
                memory.sample(Self.processFigures(pid))
                if step % (Event.allCases.count * 2) == 0 { try quietPoint() }
                Thread.sleep(forTimeInterval: Double(eventSeconds))
            }
            try quietPoint()
            let probes = try LabPeers.run(in: director, "http-probe", "127.0.0.1", "\(SoakModel.healthPort)", "200")
            FileManager.default.createFile(atPath: stopFile, contents: nil)
            scraper.waitUntilExit()
            slowClients.waitUntilExit()

            #expect(agent.processIdentifier == pid, "the agent ended during the soak; its log:\n\(agent.log.suffix(4000))")
            let final = Self.processFigures(pid)
            memory.sample(final)
            // A scrape waits for any reconcile holding the IPVS socket: give it time.
            let metrics = agent.get("/metrics", timeout: 60).map { MetricSample.parse($0.body) } ?? []
            #expect(!metrics.isEmpty, "the final scrape failed")
            let scrape = Self.figures(try String(contentsOfFile: scrapeOutput, encoding: .utf8))
            let slow = Self.figures(try String(contentsOfFile: slowOutput, encoding: .utf8))
            let probe = Self.figures(probes.lines.joined(separator: "\n"))

            // No scrape and no health probe failed while slow clients held the port.
            #expect(scrape["failures"] == 0 && (scrape["scrapes"] ?? 0) > 0, "scraper: \(scrape)")
            #expect(probe["failures"] == 0 && probe["probes"] == 200, "probes: \(probe)")
            // The slow clients were cut off by the head deadline, not left to pile up.
            #expect((slow["closed-by-server"] ?? 0) > 0, "slow clients: \(slow)")
            // Drift on owned objects was repaired; the foreign service was never touched.
            let repaired = Self.sum(metrics, "ipvsctl_reconcile_drift_repaired_total")
            #expect(repaired >= Double(applied[.ownedRealServerDeleted, default: 0]))
            // Descriptors: what the agent held after its start, plus the scraper's connection and
            // at most the slow clients it still held; nothing that grows with the events.
            #expect(
                final.descriptors <= baseline.descriptors + 2 + slowClientCount,
                "descriptors \(baseline.descriptors) -> \(final.descriptors)")
            // Memory: what it reached in the soak's first half may grow by at most a fifth (plus
            // 8 MiB for small tables) in the second; growth with the events would go on.
            #expect(
                memory.secondHalfPeakKiB <= memory.firstHalfPeakKiB * 6 / 5 + 8 * 1024,
                "resident memory kept growing: \(memory.description)")
            agent.stop()
            #expect(agent.exitStatus == nil || agent.exitStatus == 0)

            let report = Self.report(
                seconds: seconds, services: model.maximumServices, slowClients: slowClientCount, readySeconds: readySeconds,
                applied: applied,
                convergence: convergence, metrics: metrics, baseline: baseline, final: final, memory: memory, scrape: scrape, slow: slow,
                probe: probe)
            print(report)
            if let path = ProcessInfo.processInfo.environment["IPVSCTL_SOAK_REPORT"] {
                try report.write(toFile: path, atomically: true, encoding: .utf8)
            }
        }

        /// Truncates and rewrites the file where it is, in two writes: the agent may read it
        /// empty or half written, which it must refuse while keeping the last good config.
        static func writeInPlace(_ text: String, to path: String) throws {
            let handle = try #require(FileHandle(forWritingAtPath: path))
            defer { try? handle.close() }
            try handle.truncate(atOffset: 0)
            let bytes = Array(text.utf8)
            let half = bytes.count / 2
            try handle.write(contentsOf: bytes[..<half])
            Thread.sleep(forTimeInterval: 0.05)
            try handle.write(contentsOf: bytes[half...])
        }

        struct ProcessFigures {
            var residentKiB: Int
            var descriptors: Int
        }

        /// Resident memory sampled through the soak.
        struct MemorySeries: CustomStringConvertible {
            let start: Date
            var samples: [(seconds: Double, residentKiB: Int)] = []

            mutating func sample(_ figures: ProcessFigures) {
                samples.append((Date().timeIntervalSince(start), figures.residentKiB))
            }

            private var half: Double { (samples.last?.seconds ?? 0) / 2 }
            var firstHalfPeakKiB: Int { samples.filter { $0.seconds <= half }.map(\.residentKiB).max() ?? 0 }
            var secondHalfPeakKiB: Int { samples.filter { $0.seconds > half }.map(\.residentKiB).max() ?? 0 }

            /// The sample nearest each tenth of the soak, in MiB.
            var description: String {
                guard let last = samples.last else { return "no samples" }
                return (0...10).map { tenth -> String in
                    let at = last.seconds * Double(tenth) / 10
                    let nearest = samples.min { abs($0.seconds - at) < abs($1.seconds - at) }!
                    return "\(Int(nearest.seconds)) s: \(nearest.residentKiB / 1024)"
                }.joined(separator: ", ")
            }
        }

        static func processFigures(_ pid: Int32) -> ProcessFigures {
            let status = (try? String(contentsOfFile: "/proc/\(pid)/status", encoding: .utf8)) ?? ""
            let resident =
                status.split(separator: "\n").first { $0.hasPrefix("VmRSS:") }
                .flatMap { Int($0.split(separator: " ", omittingEmptySubsequences: true).dropFirst().first ?? "") } ?? -1
            let descriptors = (try? FileManager.default.contentsOfDirectory(atPath: "/proc/\(pid)/fd").count) ?? -1
            return ProcessFigures(residentKiB: resident, descriptors: descriptors)
        }

        /// `key value key value...` from a peer's summary line.
        static func figures(_ line: String) -> [String: Double] {
            let words = line.split(whereSeparator: \.isWhitespace).map(String.init)
            var figures: [String: Double] = [:]
            for index in stride(from: 0, to: words.count - 1, by: 2) { figures[words[index]] = Double(words[index + 1]) }
            return figures
        }

        static func sum(_ metrics: [MetricSample], _ name: String, where labels: [String: String] = [:]) -> Double {
            metrics.filter { sample in sample.name == name && labels.allSatisfy { sample.labels[$0.key] == $0.value } }.map(\.value)
                .reduce(0, +)
        }

        /// The quantile of a Prometheus histogram: the upper bound of the first bucket holding it.
        static func quantile(_ metrics: [MetricSample], _ name: String, _ fraction: Double) -> Double? {
            let buckets = metrics.filter { $0.name == name + "_bucket" }
                .compactMap { sample in sample.labels["le"].flatMap { Double($0) }.map { ($0, sample.value) } }.sorted { $0.0 < $1.0 }
            guard let total = buckets.last?.1, total > 0 else { return nil }
            return buckets.first { $0.1 >= fraction * total }?.0
        }

        static func report(
            seconds: Int, services: Int, slowClients: Int, readySeconds: Double, applied: [Event: Int], convergence: [Double],
            metrics: [MetricSample],
            baseline: ProcessFigures, final: ProcessFigures, memory: MemorySeries, scrape: [String: Double], slow: [String: Double],
            probe: [String: Double]
        ) -> String {
            func format(_ value: Double?) -> String { value.map { String(format: "%.3g", $0) } ?? "-" }
            let sortedConvergence = convergence.sorted()
            let events = Event.allCases.map { "\($0.rawValue) \(applied[$0, default: 0])" }.joined(separator: ", ")
            return """
                | figure | value |
                |---|---|
                | duration, synthetic services × real servers | \(seconds) s, \(services) × \(SoakModel.realServersPerService) (plus a health-checked service with 2 real backends) |
                | agent ready after start | \(format(readySeconds)) s |
                | events applied | \(applied.values.reduce(0, +)) (\(events)) |
                | quiet points, all converged | \(convergence.count); median \(format(sortedConvergence[sortedConvergence.count / 2])) s, max \(format(sortedConvergence.last)) s to converge |
                | reconciles | \(Int(sum(metrics, "ipvsctl_reconciles_total"))) (\(Int(sum(metrics, "ipvsctl_reconciles_total", where: ["result": "success"]))) succeeded) |
                | config reloads accepted / refused (half-written files) | \(Int(sum(metrics, "ipvsctl_config_reloads_total", where: ["result": "success"]))) / \(Int(sum(metrics, "ipvsctl_config_reloads_total", where: ["result": "failure"]))) |
                | drift repaired | \(Int(sum(metrics, "ipvsctl_reconcile_drift_repaired_total"))) changes |
                | desired change to kernel, p50 / p99 (histogram bucket bounds) | \(format(quantile(metrics, "ipvsctl_desired_change_to_kernel_seconds", 0.5))) s / \(format(quantile(metrics, "ipvsctl_desired_change_to_kernel_seconds", 0.99))) s |
                | resident memory, after start → end | \(baseline.residentKiB / 1024) MiB → \(final.residentKiB / 1024) MiB |
                | resident memory, peak of the first half → of the second (bound: +20 % + 8 MiB) | \(memory.firstHalfPeakKiB / 1024) MiB → \(memory.secondHalfPeakKiB / 1024) MiB |
                | resident memory over time (MiB) | \(memory.description) |
                | the agent's environment, as the systemd unit sets it | \(LabAgent.unitEnvironment.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(separator: " ")) |
                | open descriptors, after start → end | \(baseline.descriptors) → \(final.descriptors) (\(slowClients) slow clients still held at the end) |
                | /metrics scrapes (10/s), failures, p50 / p99 | \(Int(scrape["scrapes"] ?? 0)), \(Int(scrape["failures"] ?? 0)), \(format(scrape["p50"])) / \(format(scrape["p99"])) ms |
                | slow clients on the health port, closed by the head deadline | \(slowClients) held, \(Int(slow["closed-by-server"] ?? 0)) closed and reopened |
                | health-port probes beside them, failures, p50 / p99 / max | \(Int(probe["probes"] ?? 0)), \(Int(probe["failures"] ?? 0)), \(format(probe["p50"])) / \(format(probe["p99"])) / \(format(probe["max"])) ms |
                """
        }
    }
}
