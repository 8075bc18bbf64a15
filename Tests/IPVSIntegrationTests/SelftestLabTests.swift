import Foundation
import Testing

extension KernelLab {
    /// `ipvsctl-swift selftest` on the lab's real kernel (Debian's 6.1, which has every
    /// scheduler module but `twos`, added in 6.3), with the kernel's own tools as witnesses that
    /// it changed nothing.
    @Suite
    struct SelftestLabTests {
        typealias Lab = ReconcilerLabTests

        /// A UDP service behind an external IP under Cluster (nftables, conntrack, the sysctls
        /// masquerading and UDP imply), with the given scheduler.
        static func config(scheduler: String) -> String {
            """
            node: node-a
            services:
              - name: default/dns
                clusterIPs: [198.51.100.53]
                externalIPs: [192.0.2.53]
                ports: [{port: 53, protocol: UDP}]
                scheduler: \(scheduler)
                endpoints: [{address: 203.0.113.2, node: node-a}]
            """
        }

        struct Outcome {
            var status: Int32
            var checks: [[String: String]]
            var stdout: String

            func line(_ check: String, _ subject: String? = nil) -> [String: String]? {
                checks.first { $0["check"] == check && (subject == nil || $0["subject"] == subject) }
            }
        }

        static func selftest(_ lab: LabNamespace, _ arguments: [String]) throws -> Outcome {
            let result = try Shell.runCapturing([CommandLineTests.binary, "selftest", "--netns", lab.name, "--output", "json"] + arguments)
            let document = try #require(
                try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: Any],
                "stdout: \(result.stdout) stderr: \(result.stderr)")
            let checks = try #require(document["checks"] as? [[String: String]])
            return Outcome(status: result.status, checks: checks, stdout: result.stdout)
        }

        /// Runs selftest on `config(scheduler:)` in a fresh namespace whose loopback is up (the
        /// metrics listener's address).
        static func withConfig(scheduler: String, _ body: (LabNamespace, _ config: String, _ state: String, Outcome) throws -> Void) throws
        {
            try LabNamespace.with { lab in
                try Shell.run("ip", "-n", lab.name, "link", "set", "lo", "up")
                let config = try Lab.writeConfig(Self.config(scheduler: scheduler))
                let state = Lab.stateDirectory()
                try body(lab, config, state, try Self.selftest(lab, ["--config", config, "--state-dir", state]))
            }
        }

        @Test("a scheduler module the kernel lacks: FAIL with the fix, and nothing anywhere is changed")
        func missingSchedulerModule() throws {
            try Self.withConfig(scheduler: "twos") { lab, _, state, outcome in
                #expect(outcome.status == 1, "\(outcome.stdout)")
                #expect(outcome.line("ipvs")?["status"] == "OK")
                let twos = try #require(outcome.line("scheduler", "twos"))
                #expect(twos["status"] == "FAIL")
                #expect(twos["detail"]?.contains("has no ip_vs_twos module") == true)
                #expect(twos["fix"]?.isEmpty == false)
                // What the config needs besides, all present in this kernel.
                #expect(outcome.line("sysctl", "net.ipv4.vs.conntrack")?["detail"] == "is 0; apply sets 1")
                #expect(outcome.line("sysctl", "net.ipv4.vs.expire_nodest_conn")?["status"] == "OK")
                #expect(outcome.line("nftables")?["status"] == "OK")
                #expect(outcome.line("nftables")?["detail"]?.contains("does not exist yet") == true)
                #expect(outcome.line("conntrack")?["status"] == "OK")
                #expect(outcome.line("interface", "ipvs0")?["detail"]?.contains("does not exist yet") == true)
                #expect(outcome.line("state-directory", state)?["status"] == "OK")
                #expect(outcome.line("socket-buffers")?["status"] == "OK")
                #expect(outcome.line("capabilities")?["status"] == "OK")

                // It only looked: the witnesses see the namespace as it was.
                #expect(try lab.ipvsadm("-Sn").isEmpty)
                #expect(try Shell.runCapturing(["ip", "-n", lab.name, "link", "show", "ipvs0"]).status != 0)
                #expect(try Shell.run("ip", "netns", "exec", lab.name, "nft", "list", "ruleset").isEmpty)
                #expect(try Shell.run("ip", "netns", "exec", lab.name, "sysctl", "-n", "net.ipv4.vs.conntrack") == "0\n")
                #expect(!FileManager.default.fileExists(atPath: state))
            }
        }

        @Test("a node ready for the config: exit 0, and the text report names every check")
        func readyNode() throws {
            try Self.withConfig(scheduler: "mh") { lab, config, state, outcome in
                #expect(outcome.status == 0, "\(outcome.stdout)")
                #expect(!outcome.checks.contains { $0["status"] == "FAIL" })
                #expect(outcome.line("scheduler", "mh")?["status"] == "OK")
                let text = try Shell.runCapturing([
                    CommandLineTests.binary, "selftest", "--netns", lab.name, "--config", config, "--state-dir", state,
                ])
                #expect(text.status == 0)
                #expect(text.stdout.contains("OK    ipvs "))
                #expect(text.stdout.contains(" 0 FAIL\n"))
            }
        }

        @Test("a read-only state directory fails, with the file system's own reason")
        func readOnlyStateDirectory() throws {
            try LabNamespace.with { lab in
                let state = Lab.stateDirectory()
                try FileManager.default.createDirectory(atPath: state, withIntermediateDirectories: true)
                try Shell.run("mount", "-t", "tmpfs", "-o", "ro,size=1m", "tmpfs", state)
                defer { _ = try? Shell.run("umount", state) }
                let outcome = try Self.selftest(lab, ["--state-dir", state])
                #expect(outcome.status == 1, "\(outcome.stdout)")
                let line = try #require(outcome.line("state-directory", state))
                #expect(line["status"] == "FAIL")
                #expect(line["detail"] == "is not writable: Read-only file system")
            }
        }
    }
}
