import Foundation
import Testing

/// `validate`, `diff` and `apply` as an operator runs them, against the real kernel, with real
/// traffic where it matters.
extension KernelLab {
    @Suite
    struct ReconcilerLabTests {
        static var binary: String { CommandLineTests.binary }

        /// Runs the CLI in `namespace` with a fresh or given state directory.
        static func cli(
            _ arguments: [String], namespace: String, stateDir: String
        ) throws -> (status: Int32, stdout: String, stderr: String) {
            try Shell.runCapturing([binary] + arguments + ["--netns", namespace, "--state-dir", stateDir])
        }

        static func writeConfig(_ text: String) throws -> String {
            let path = NSTemporaryDirectory() + "ipvsctl-config-\(UInt32.random(in: 0...UInt32.max)).yaml"
            try text.write(toFile: path, atomically: true, encoding: .utf8)
            return path
        }

        static func stateDirectory() -> String {
            NSTemporaryDirectory() + "ipvsctl-state-\(UInt32.random(in: 0...UInt32.max))"
        }

        static func webConfig(
            scheduler: String = "rr", weight: Int = 1, endpoints: [(String, String)], policy: String = "Cluster",
            extra: String = ""
        ) -> String {
            """
            interface: ipvs0
            services:
              - name: default/web
                clusterIPs: [198.51.100.10]
                ports: [{port: 80, targetPort: 8080, protocol: TCP}]
                scheduler: \(scheduler)
                internalTrafficPolicy: \(policy)
                endpoints:
            \(endpoints.map { "      - {address: \($0.0), node: \($0.1), weight: \(weight)}" }.joined(separator: "\n"))
            \(extra)
            """
        }

        @Test("apply, then diff is empty and a second apply makes zero kernel writes")
        func applyThenDiff() throws {
            try LabNamespace.with { lab in
                let state = Self.stateDirectory()
                let config = try Self.writeConfig(Self.webConfig(endpoints: [("203.0.113.1", "node-a"), ("203.0.113.2", "node-a")]))
                let diff = try Self.cli(["diff", "--config", config, "--node", "node-a"], namespace: lab.name, stateDir: state)
                #expect(diff.status == 2, "\(diff.stderr)")
                #expect(diff.stdout.contains("+ virtual service TCP 198.51.100.10:80"))
                let apply = try Self.cli(["apply", "--config", config, "--node", "node-a"], namespace: lab.name, stateDir: state)
                #expect(apply.status == 0, "\(apply.stdout) \(apply.stderr)")
                #expect(
                    try lab.savedRules() == [
                        "-A -t 198.51.100.10:80 -s rr",
                        "-a -t 198.51.100.10:80 -r 203.0.113.1:8080 -m -w 1",
                        "-a -t 198.51.100.10:80 -r 203.0.113.2:8080 -m -w 1",
                    ])
                let again = try Self.cli(["diff", "--config", config, "--node", "node-a"], namespace: lab.name, stateDir: state)
                #expect(again.status == 0, "\(again.stdout)")
                let second = try Self.cli(["apply", "--config", config, "--node", "node-a"], namespace: lab.name, stateDir: state)
                #expect(second.stdout.contains("0 IPVS commands"), "\(second.stdout)")
            }
        }

        @Test("an edit of one field is one edit")
        func singleEdits() throws {
            try LabNamespace.with { lab in
                let state = Self.stateDirectory()
                let endpoints = [("203.0.113.1", "node-a")]
                _ = try Self.cli(
                    ["apply", "--config", try Self.writeConfig(Self.webConfig(endpoints: endpoints)), "--node", "node-a"],
                    namespace: lab.name, stateDir: state)
                for (config, expected) in [
                    (Self.webConfig(scheduler: "wrr", endpoints: endpoints), "-A -t 198.51.100.10:80 -s wrr"),
                    (
                        Self.webConfig(scheduler: "wrr", weight: 5, endpoints: endpoints),
                        "-a -t 198.51.100.10:80 -r 203.0.113.1:8080 -m -w 5"
                    ),
                ] {
                    let path = try Self.writeConfig(config)
                    let diff = try Self.cli(
                        ["diff", "--config", path, "--node", "node-a", "--output", "json"], namespace: lab.name, stateDir: state)
                    let document = try JSONSerialization.jsonObject(with: Data(diff.stdout.utf8)) as? [String: Any]
                    #expect((document?["changes"] as? [Any])?.count == 1, "\(diff.stdout)")
                    let apply = try Self.cli(["apply", "--config", path, "--node", "node-a"], namespace: lab.name, stateDir: state)
                    #expect(apply.stdout.contains("1 IPVS commands"), "\(apply.stdout)")
                    #expect(try lab.savedRules().contains(expected))
                }
            }
        }

        @Test("a foreign service made with ipvsadm survives every apply untouched")
        func foreignSurvives() throws {
            try LabNamespace.with { lab in
                try lab.restore("-A -t 192.0.2.99:80 -s lc\n-a -t 192.0.2.99:80 -r 203.0.113.9:80 -m -w 2\n")
                let state = Self.stateDirectory()
                let full = try Self.writeConfig(Self.webConfig(endpoints: [("203.0.113.1", "node-a")]))
                let diff = try Self.cli(["diff", "--config", full, "--node", "node-a"], namespace: lab.name, stateDir: state)
                #expect(diff.stdout.contains("Foreign"))
                #expect(diff.stdout.contains("TCP 192.0.2.99:80"))
                _ = try Self.cli(["apply", "--config", full, "--node", "node-a"], namespace: lab.name, stateDir: state)
                let empty = try Self.writeConfig("services: []\n")
                let refused = try Self.cli(["apply", "--config", empty, "--node", "node-a"], namespace: lab.name, stateDir: state)
                #expect(refused.status == 1)
                #expect(refused.stderr.contains("desired state is empty"))
                let forced = try Self.cli(
                    ["apply", "--config", empty, "--node", "node-a", "--force"], namespace: lab.name, stateDir: state)
                #expect(forced.status == 0, "\(forced.stderr)")
                #expect(try lab.savedRules() == ["-A -t 192.0.2.99:80 -s lc", "-a -t 192.0.2.99:80 -r 203.0.113.9:80 -m -w 2"])
            }
        }

        @Test("a desired service colliding with a foreign one is refused unless adopted")
        func collision() throws {
            try LabNamespace.with { lab in
                try lab.restore("-A -t 198.51.100.10:80 -s lc\n")
                let state = Self.stateDirectory()
                let config = try Self.writeConfig(Self.webConfig(endpoints: [("203.0.113.1", "node-a")]))
                let refused = try Self.cli(["apply", "--config", config, "--node", "node-a"], namespace: lab.name, stateDir: state)
                #expect(refused.status == 1)
                #expect(refused.stderr.contains("--adopt"))
                #expect(try lab.savedRules() == ["-A -t 198.51.100.10:80 -s lc"])
                let adopted = try Self.cli(
                    ["apply", "--config", config, "--node", "node-a", "--adopt"], namespace: lab.name, stateDir: state)
                #expect(adopted.status == 0, "\(adopted.stderr)")
                #expect(try lab.savedRules().contains("-A -t 198.51.100.10:80 -s rr"))
            }
        }

        @Test("an invalid config leaves the table byte for byte as it was")
        func invalidConfig() throws {
            try LabNamespace.with { lab in
                let state = Self.stateDirectory()
                _ = try Self.cli(
                    [
                        "apply", "--config", try Self.writeConfig(Self.webConfig(endpoints: [("203.0.113.1", "node-a")])), "--node",
                        "node-a",
                    ],
                    namespace: lab.name, stateDir: state)
                let before = try lab.ipvsadm("-Sn")
                let broken = try Self.writeConfig(Self.webConfig(endpoints: [("203.0.113.300", "node-a")]))
                let result = try Self.cli(["apply", "--config", broken, "--node", "node-a"], namespace: lab.name, stateDir: state)
                #expect(result.status == 1)
                #expect(result.stderr.contains("203.0.113.300"))
                #expect(result.stderr.contains(":9:"), "the error names the line: \(result.stderr)")
                #expect(try lab.ipvsadm("-Sn") == before)
            }
        }

        /// `count` services on 198.18.0.0/15, each with the same two real servers.
        static func bulkConfig(services count: Int) -> String {
            var services = "services:\n"
            for index in 0..<count {
                services += """
                      - name: bulk/s\(index)
                        clusterIPs: [198.18.\(index / 256).\(index % 256)]
                        ports: [{port: 80, targetPort: 8080}]
                        endpoints: [{address: 203.0.113.1}, {address: 203.0.113.2}]

                    """
            }
            return services
        }

        @Test("an apply killed half-way converges on the next apply")
        func interruptedApply() throws {
            try LabNamespace.with { lab in
                let state = Self.stateDirectory()
                let config = try Self.writeConfig(Self.bulkConfig(services: 1500))
                let process = Process()
                process.executableURL = URL(fileURLWithPath: Self.binary)
                process.arguments = ["apply", "--config", config, "--node", "node-a", "--netns", lab.name, "--state-dir", state]
                process.standardOutput = FileHandle.nullDevice
                try process.runWithDefaultSignalMask()
                usleep(1_500_000)
                kill(process.processIdentifier, SIGKILL)
                process.waitUntilExit()
                let resumed = try Self.cli(["apply", "--config", config, "--node", "node-a"], namespace: lab.name, stateDir: state)
                #expect(resumed.status == 0, "\(resumed.stderr)")
                let diff = try Self.cli(["diff", "--config", config, "--node", "node-a"], namespace: lab.name, stateDir: state)
                #expect(diff.status == 0, "\(diff.stdout)")
                #expect(try lab.savedRules().count == 1500 * 3)
            }
        }

        @Test("two namespaces as two nodes, one config: Local gives each its own real servers")
        func twoNodes() throws {
            try LabNamespace.with { nodeA in
                try LabNamespace.with { nodeB in
                    let config = try Self.writeConfig(
                        Self.webConfig(endpoints: [("203.0.113.1", "node-a"), ("203.0.113.2", "node-b")], policy: "Local"))
                    _ = try Self.cli(
                        ["apply", "--config", config, "--node", "node-a"], namespace: nodeA.name, stateDir: Self.stateDirectory())
                    _ = try Self.cli(
                        ["apply", "--config", config, "--node", "node-b"], namespace: nodeB.name, stateDir: Self.stateDirectory())
                    #expect(try nodeA.savedRules().contains("-a -t 198.51.100.10:80 -r 203.0.113.1:8080 -m -w 1"))
                    #expect(!(try nodeA.savedRules().contains { $0.contains("203.0.113.2") }))
                    #expect(try nodeB.savedRules().contains("-a -t 198.51.100.10:80 -r 203.0.113.2:8080 -m -w 1"))
                    #expect(!(try nodeB.savedRules().contains { $0.contains("203.0.113.1:") }))
                }
            }
        }

        @Test("real traffic under Local reaches only this node's backend, and is refused (not rerouted) when it is gone")
        func localTraffic() throws {
            let topology = try LabTopology()
            defer { topology.tearDown() }
            try topology.addBackend(named: "backend-on-node-a")
            try topology.addBackend(named: "backend-on-node-b")
            let state = Self.stateDirectory()
            let both = [(LabTopology.backendAddress(0), "node-a"), (LabTopology.backendAddress(1), "node-b")]

            let cluster = try Self.writeConfig(Self.webConfig(endpoints: both, policy: "Cluster"))
            let applied = try Self.cli(["apply", "--config", cluster, "--node", "node-a"], namespace: topology.director, stateDir: state)
            #expect(applied.status == 0, "\(applied.stdout) \(applied.stderr)")
            let spread = (0..<4).compactMap { _ in topology.get("198.51.100.10") }
            #expect(Set(spread) == ["backend-on-node-a", "backend-on-node-b"], "Cluster should reach both: \(spread)")

            let local = try Self.writeConfig(Self.webConfig(endpoints: both, policy: "Local"))
            _ = try Self.cli(["apply", "--config", local, "--node", "node-a"], namespace: topology.director, stateDir: state)
            let localOnly = (0..<4).compactMap { _ in topology.get("198.51.100.10") }
            #expect(localOnly == Array(repeating: "backend-on-node-a", count: 4))

            // The local endpoint goes away (not ready): the service is blackholed, connections refused.
            let gone = try Self.writeConfig(Self.webConfig(endpoints: [(LabTopology.backendAddress(1), "node-b")], policy: "Local"))
            let diff = try Self.cli(["diff", "--config", gone, "--node", "node-a"], namespace: topology.director, stateDir: state)
            #expect(diff.stdout.contains("Blackholed"), "\(diff.stdout)")
            _ = try Self.cli(["apply", "--config", gone, "--node", "node-a"], namespace: topology.director, stateDir: state)
            let refused = topology.attempt("198.51.100.10")
            #expect(refused.status == 7, "expected curl's connection failure (a reset), got \(refused.status): \(refused.stderr)")
            #expect(topology.get("198.51.100.10") == nil)
        }
    }
}
