import Foundation
import IPVSCore
import IPVSNetlink
import Testing

extension KernelLab {
    /// The kernel settings (IPVS sysctls and ARP), per network namespace, with `sysctl` run inside the namespace
    /// as the independent witness.
    @Suite
    struct SysctlTests {
        static func witness(_ lab: LabNamespace, _ name: KernelSysctl) throws -> Int? {
            Int(
                try Shell.run("ip", "netns", "exec", lab.name, "sysctl", "-n", name.name)
                    .trimmingCharacters(in: .whitespacesAndNewlines))
        }

        @Test("a fresh namespace reads the kernel's defaults, as sysctl does")
        func defaults() throws {
            try LabNamespace.with { lab in
                let values = try KernelSysctlFiles.read(KernelSysctl.allCases, in: .named(lab.name))
                #expect(
                    values == [
                        .ipvsConntrack: 0, .arpIgnore: 0, .arpAnnounce: 0, .expireNoDestinationConnections: 0,
                        .expireQuiescentTemplates: 0, .connectionReuseMode: 1,
                    ])
                for name in KernelSysctl.allCases {
                    #expect(try Self.witness(lab, name) == values[name])
                }
            }
        }

        @Test("a value written in one namespace is seen there, and in no other", arguments: KernelSysctl.allCases)
        func perNamespace(name: KernelSysctl) throws {
            let own = try KernelSysctlFiles.read(name)
            try LabNamespace.with { other in
                let untouched = try KernelSysctlFiles.read(name, in: .named(other.name))
                try LabNamespace.with { lab in
                    let value = try KernelSysctlFiles.read(name, in: .named(lab.name)) == 0 ? 1 : 0
                    try KernelSysctlFiles.write(name, value: value, in: .named(lab.name))
                    #expect(try KernelSysctlFiles.read(name, in: .named(lab.name)) == value)
                    #expect(try Self.witness(lab, name) == value)

                    #expect(try KernelSysctlFiles.read(name, in: .named(other.name)) == untouched)
                    #expect(try Self.witness(other, name) == untouched)
                    #expect(try KernelSysctlFiles.read(name) == own)
                }
            }
        }

        @Test("what sysctl writes inside a namespace is read back")
        func readsForeignWrites() throws {
            try LabNamespace.with { lab in
                try Shell.run("ip", "netns", "exec", lab.name, "sysctl", "-q", "-w", "net.ipv4.vs.conn_reuse_mode=2")
                try Shell.run("ip", "netns", "exec", lab.name, "sysctl", "-q", "-w", "net.ipv4.vs.expire_nodest_conn=1")
                #expect(try KernelSysctlFiles.read(.connectionReuseMode, in: .named(lab.name)) == 2)
                #expect(try KernelSysctlFiles.read(.expireNoDestinationConnections, in: .named(lab.name)) == 1)
            }
        }

        @Test("a missing namespace and an impossible value are errors")
        func errors() throws {
            let missing = #expect(throws: IPVSError.self) {
                _ = try KernelSysctlFiles.read(.ipvsConntrack, in: .named("ipvsctl-test-no-such-namespace"))
            }
            #expect(missing?.code == .namespaceUnavailable)
            try LabNamespace.with { lab throws in
                let tooLarge = #expect(throws: IPVSError.self) {
                    try KernelSysctlFiles.write(.ipvsConntrack, value: Int(Int32.max) + 1, in: .named(lab.name))
                }
                #expect(tooLarge?.errno == ERANGE)
                #expect(try KernelSysctlFiles.read(.ipvsConntrack, in: .named(lab.name)) == 0)
            }
        }
    }
}
