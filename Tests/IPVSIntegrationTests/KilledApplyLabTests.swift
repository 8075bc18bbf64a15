import Foundation
import Testing

/// `apply` killed with SIGKILL at every step: the debug build's test hook
/// (`IPVSCTL_TEST_STOP_AFTER_KERNEL_COMMANDS=N`) makes it kill itself right after its Nth kernel
/// command, for every N of a small plan; then a normal apply must converge, with `ipvsadm -Sn`
/// as the witness: the desired table, no duplicate, the foreign service untouched, and a diff
/// with nothing left to do.
extension KernelLab {
    @Suite
    struct KilledApplyLabTests {
        typealias CLI = ReconcilerLabTests
        static let hook = "IPVSCTL_TEST_STOP_AFTER_KERNEL_COMMANDS"
        static let foreign = ["-A -t 192.0.2.99:80 -s lc", "-a -t 192.0.2.99:80 -r 203.0.113.9:80 -m -w 2"]

        /// Services `s<index>` on 198.51.100.<10 + index>, each with the given real servers
        /// (last octets in 203.0.113.0/24) and weights.
        static func config(_ services: [(index: Int, scheduler: String, reals: [(Int, Int)])]) -> String {
            var text = "interface: ipvs0\nservices:\n"
            for service in services {
                text += """
                      - name: default/s\(service.index)
                        clusterIPs: [198.51.100.\(10 + service.index)]
                        ports: [{port: 80, targetPort: 8080, protocol: TCP}]
                        scheduler: \(service.scheduler)
                        endpoints:

                    """
                for (real, weight) in service.reals {
                    text += "          - {address: 203.0.113.\(real), node: node-a, weight: \(weight)}\n"
                }
            }
            return text
        }

        static func rules(_ services: [(index: Int, scheduler: String, reals: [(Int, Int)])]) -> Set<String> {
            var rules = Set(foreign)
            for service in services {
                rules.insert("-A -t 198.51.100.\(10 + service.index):80 -s \(service.scheduler)")
                for (real, weight) in service.reals {
                    rules.insert("-a -t 198.51.100.\(10 + service.index):80 -r 203.0.113.\(real):8080 -m -w \(weight)")
                }
            }
            return rules
        }

        static let small = (1...3).map { (index: $0, scheduler: "rr", reals: [(1, 1), (2, 1)]) }
        /// From `small`: s1 deleted, s2 rescheduled with one real server reweighted and one gone,
        /// s3 unchanged, s4 new.
        static let changed = [
            (index: 2, scheduler: "wrr", reals: [(1, 3)]), (index: 3, scheduler: "rr", reals: [(1, 1), (2, 1)]),
            (index: 4, scheduler: "rr", reals: [(1, 1), (2, 1), (3, 1)]),
        ]

        /// Runs `apply` with the hook set; true when it was killed by it.
        static func applyStopping(after commands: Int, config: String, namespace: String, state: String) throws -> Bool {
            let log = NSTemporaryDirectory() + "ipvsctl-killed-\(UInt32.random(in: 0...UInt32.max)).log"
            defer { try? FileManager.default.removeItem(atPath: log) }
            var environment = ProcessInfo.processInfo.environment
            environment[hook] = "\(commands)"
            let process = try Process.launchLogging(
                [CLI.binary, "apply", "--config", config, "--node", "node-a", "--netns", namespace, "--state-dir", state], to: log,
                environment: environment)
            process.waitUntilExit()
            if process.terminationReason == .uncaughtSignal {
                #expect(process.terminationStatus == SIGKILL)
                return true
            }
            #expect(process.terminationStatus == 0, "\((try? String(contentsOfFile: log, encoding: .utf8)) ?? "")")
            return false
        }

        /// A normal apply converges: the witness sees exactly `expected`, each rule once, our
        /// addresses bound, a diff with nothing to do and an apply with no command.
        static func expectConverged(
            _ lab: LabNamespace, config: String, state: String, expected: Set<String>, addresses: [String], _ context: String
        ) throws {
            let resumed = try CLI.cli(["apply", "--config", config, "--node", "node-a"], namespace: lab.name, stateDir: state)
            #expect(resumed.status == 0, "\(context): \(resumed.stdout) \(resumed.stderr)")
            let lines = try lab.ipvsadm("-Sn").split(separator: "\n").map(String.init)
            #expect(Set(lines) == expected, "\(context): \(lines)")
            #expect(lines.count == Set(lines).count, "\(context): a rule twice: \(lines)")
            let bound = try Shell.run("ip", "-n", lab.name, "-o", "addr", "show", "dev", "ipvs0")
            for address in addresses { #expect(bound.contains("inet \(address)/"), "\(context): \(address) not bound") }
            let diff = try CLI.cli(["diff", "--config", config, "--node", "node-a"], namespace: lab.name, stateDir: state)
            #expect(diff.status == 0, "\(context): \(diff.stdout)")
            let again = try CLI.cli(["apply", "--config", config, "--node", "node-a"], namespace: lab.name, stateDir: state)
            #expect(again.stdout.contains("0 IPVS commands"), "\(context): \(again.stdout)")
            let ledger = try String(contentsOfFile: state + "/ledger.json", encoding: .utf8)
            #expect(!ledger.contains("192.0.2.99"), "\(context): the foreign service claimed")
        }

        /// For N = 1, 2, ...: a fresh namespace with the foreign service (and `before` applied),
        /// an apply of `after` killed after its Nth kernel command, then a normal apply that must
        /// converge; until N passes the plan's length. Returns how many applies were killed.
        static func killAtEveryStep(
            before: [(index: Int, scheduler: String, reals: [(Int, Int)])]?,
            after: [(index: Int, scheduler: String, reals: [(Int, Int)])], unbound: [String] = []
        ) throws -> Int {
            let first = try before.map { try CLI.writeConfig(Self.config($0)) }
            let config = try CLI.writeConfig(Self.config(after))
            let addresses = after.map { "198.51.100.\(10 + $0.index)" }
            for stop in 1...60 {
                let wasKilled = try LabNamespace.with { lab in
                    try lab.restore(Self.foreign.joined(separator: "\n") + "\n")
                    let state = CLI.stateDirectory()
                    if let first {
                        let applied = try CLI.cli(["apply", "--config", first, "--node", "node-a"], namespace: lab.name, stateDir: state)
                        try #require(applied.status == 0, "\(applied.stderr)")
                    }
                    let wasKilled = try Self.applyStopping(after: stop, config: config, namespace: lab.name, state: state)
                    try Self.expectConverged(
                        lab, config: config, state: state, expected: Self.rules(after), addresses: addresses, "killed after \(stop)")
                    let bound = try Shell.run("ip", "-n", lab.name, "-o", "addr", "show", "dev", "ipvs0")
                    for address in unbound { #expect(!bound.contains("inet \(address)/"), "killed after \(stop): \(address) still bound") }
                    return wasKilled
                }
                guard wasKilled else {
                    print("killed after each of \(stop - 1) kernel commands, every apply after converged")
                    return stop - 1
                }
            }
            Issue.record("the plan did not end within 60 commands")
            return 60
        }

        @Test("a plan from nothing, killed after each of its kernel commands in turn: the next apply converges")
        func killedAtEveryStepFromNothing() throws {
            // 3 services and 6 real servers, 3 addresses; more if the plan also writes sysctls.
            #expect(try Self.killAtEveryStep(before: nil, after: Self.small) >= 12)
        }

        @Test("a mixed change (delete, update, create), killed after each of its kernel commands in turn: the next apply converges")
        func killedAtEveryStepOfAChange() throws {
            // s1 deleted; s2 updated, a weight, a real server deleted; s4 and its 3 real servers;
            // one address added, one removed.
            #expect(try Self.killAtEveryStep(before: Self.small, after: Self.changed, unbound: ["198.51.100.11"]) >= 10)
        }

        @Test("a large plan killed at random commands, several times in a row: the next full apply converges")
        func killedAtRandomPointsOfALargePlan() throws {
            let config = try CLI.writeConfig(CLI.bulkConfig(services: 200))
            try LabNamespace.with { lab in
                try lab.restore(Self.foreign.joined(separator: "\n") + "\n")
                let state = CLI.stateDirectory()
                var generator = SystemRandomNumberGenerator()
                var stops: [Int] = []
                // Each resumed apply has fewer commands left; 800 in all (600 IPVS, 200 addresses).
                for _ in 0..<4 {
                    let stop = Int.random(in: 1...150, using: &generator)
                    stops.append(stop)
                    #expect(try Self.applyStopping(after: stop, config: config, namespace: lab.name, state: state), "stops \(stops)")
                }
                let resumed = try CLI.cli(["apply", "--config", config, "--node", "node-a"], namespace: lab.name, stateDir: state)
                #expect(resumed.status == 0, "\(resumed.stderr)")
                let lines = try lab.ipvsadm("-Sn").split(separator: "\n").map(String.init)
                #expect(lines.count == Set(lines).count, "a rule twice after stops \(stops)")
                #expect(lines.count == 200 * 3 + 2, "stops \(stops)")
                #expect(Set(Self.foreign).isSubset(of: Set(lines)))
                let diff = try CLI.cli(["diff", "--config", config, "--node", "node-a"], namespace: lab.name, stateDir: state)
                #expect(diff.status == 0, "stops \(stops): \(diff.stdout)")
            }
        }
    }
}
