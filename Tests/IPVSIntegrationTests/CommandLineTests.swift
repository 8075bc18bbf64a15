import Foundation
import Testing

extension KernelLab {
    /// The `ipvsctl-swift` binary, run as an operator would.
    @Suite
    struct CommandLineTests {
        static var binary: String {
            URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent()
                .appendingPathComponent("ipvsctl-swift").path
        }

        @Test("list prints the table like ipvsadm -Ln, and as JSON")
        func list() throws {
            try LabNamespace.with { lab in
                try lab.restore(
                    """
                    -A -t 192.0.2.1:80 -s rr
                    -a -t 192.0.2.1:80 -r 203.0.113.1:8080 -m -w 3

                    """)
                let text = try Shell.run([Self.binary, "list", "--netns", lab.name])
                #expect(text.contains("TCP  192.0.2.1:80 rr"))
                #expect(text.contains("  -> 203.0.113.1:8080"))
                #expect(text.contains("Masq    3"))
                let json = try Shell.run([Self.binary, "list", "--netns", lab.name, "--output", "json"])
                let document = try JSONSerialization.jsonObject(with: Data(json.utf8)) as? [String: Any]
                let services = document?["virtualServices"] as? [[String: Any]]
                #expect(services?.count == 1)
                #expect(services?.first?["address"] as? String == "192.0.2.1")
                let reals = services?.first?["realServers"] as? [[String: Any]]
                #expect(reals?.first?["weight"] as? Int == 3)
                let stats = try Shell.run([Self.binary, "list", "--netns", lab.name, "--stats"])
                #expect(stats.contains("InBytes"))
            }
        }

        @Test("list prints what ipvsadm -Ln prints, line for line, for every kind of service and forwarding")
        func listMatchesIpvsadm() throws {
            try LabNamespace.with { lab in
                try lab.restore(
                    """
                    -A -t 192.0.2.1:80 -s rr
                    -a -t 192.0.2.1:80 -r 203.0.113.1:8080 -m -w 3
                    -a -t 192.0.2.1:80 -r 203.0.113.254:65535 -m -w 65535
                    -a -t 192.0.2.1:80 -r 10.0.0.1:80 -i -w 0
                    -A -u 198.51.100.200:53 -s wlc
                    -a -u 198.51.100.200:53 -r 203.0.113.10:53 -g -w 1
                    -A -f 7 -s sh
                    -a -f 7 -r 203.0.113.20:0 -m -w 10
                    -A -t [2001:db8::1]:443 -s lc
                    -a -t [2001:db8::1]:443 -r [2001:db8:1::10]:8443 -m -w 2

                    """)
                // ipvsadm pads its last column; the rest must be the same bytes. `--nosort`: the
                // kernel's order, which `list` keeps (ipvsadm sorts by default).
                func lines(_ text: String) -> [String] {
                    text.split(separator: "\n").map { String($0.reversed().drop(while: { $0 == " " }).reversed()) }
                }
                let ours = lines(try Shell.run([Self.binary, "list", "--netns", lab.name]))
                let theirs = lines(try lab.ipvsadm("-Ln", "--nosort"))
                #expect(ours.count == 13)
                #expect(ours == theirs)
                let ourStatistics = lines(try Shell.run([Self.binary, "list", "--netns", lab.name, "--stats"]))
                #expect(ourStatistics.count == 13)
                #expect(ourStatistics == lines(try lab.ipvsadm("-Ln", "--stats", "--nosort")))
            }
        }

        @Test("without CAP_NET_ADMIN: a clear error and a non-zero exit, never an empty table")
        func permissionDenied() throws {
            try LabNamespace.with { lab in
                let result = try Shell.runCapturing([
                    "ip", "netns", "exec", lab.name,
                    "setpriv", "--reuid=65534", "--regid=65534", "--clear-groups", "--inh-caps=-all",
                    Self.binary, "list",
                ])
                #expect(result.status != 0)
                #expect(
                    result.stderr.contains("permission denied") || result.stderr.contains("Operation not permitted"),
                    "stderr: \(result.stderr)")
                #expect(!result.stdout.contains("Prot LocalAddress"))
            }
        }
    }
}
