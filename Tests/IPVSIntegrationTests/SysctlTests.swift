import Foundation
import IPVSCore
import IPVSNetlink
import Testing

extension KernelLab {
    /// The `net.ipv4.vs.*` sysctls, per network namespace, with `sysctl` run inside the namespace
    /// as the independent witness.
    @Suite
    struct SysctlTests {
        static func witness(_ lab: LabNamespace, _ name: IPVSSysctl.Name) throws -> Int? {
            Int(try Shell.run("ip", "netns", "exec", lab.name, "sysctl", "-n", name.sysctlName)
                .trimmingCharacters(in: .whitespacesAndNewlines))
        }

        @Test("a fresh namespace reads the kernel's defaults, as sysctl does")
        func defaults() throws {
            try LabNamespace.with { lab in
                let values = try IPVSSysctl.readAll(in: .named(lab.name))
                #expect(values == [.conntrack: 0, .expireNoDestinationConnections: 0,
                                   .expireQuiescentTemplates: 0, .connectionReuseMode: 1])
                for name in IPVSSysctl.Name.allCases {
                    #expect(try Self.witness(lab, name) == values[name])
                }
            }
        }

        @Test("a value written in one namespace is seen there, and in no other", arguments: IPVSSysctl.Name.allCases)
        func perNamespace(name: IPVSSysctl.Name) throws {
            let own = try IPVSSysctl.read(name)
            try LabNamespace.with { other in
                let untouched = try IPVSSysctl.read(name, in: .named(other.name))
                try LabNamespace.with { lab in
                    let value = try IPVSSysctl.read(name, in: .named(lab.name)) == 0 ? 1 : 0
                    try IPVSSysctl.write(name, value: value, in: .named(lab.name))
                    #expect(try IPVSSysctl.read(name, in: .named(lab.name)) == value)
                    #expect(try Self.witness(lab, name) == value)

                    #expect(try IPVSSysctl.read(name, in: .named(other.name)) == untouched)
                    #expect(try Self.witness(other, name) == untouched)
                    #expect(try IPVSSysctl.read(name) == own)
                }
            }
        }

        @Test("what sysctl writes inside a namespace is read back")
        func readsForeignWrites() throws {
            try LabNamespace.with { lab in
                try Shell.run("ip", "netns", "exec", lab.name, "sysctl", "-q", "-w", "net.ipv4.vs.conn_reuse_mode=2")
                try Shell.run("ip", "netns", "exec", lab.name, "sysctl", "-q", "-w", "net.ipv4.vs.expire_nodest_conn=1")
                #expect(try IPVSSysctl.read(.connectionReuseMode, in: .named(lab.name)) == 2)
                #expect(try IPVSSysctl.read(.expireNoDestinationConnections, in: .named(lab.name)) == 1)
            }
        }

        @Test("a missing namespace and an impossible value are errors")
        func errors() throws {
            let missing = #expect(throws: IPVSError.self) {
                _ = try IPVSSysctl.read(.conntrack, in: .named("ipvsctl-test-no-such-namespace"))
            }
            #expect(missing?.code == .namespaceUnavailable)
            try LabNamespace.with { lab throws in
                let tooLarge = #expect(throws: IPVSError.self) {
                    try IPVSSysctl.write(.conntrack, value: Int(Int32.max) + 1, in: .named(lab.name))
                }
                #expect(tooLarge?.errno == ERANGE)
                #expect(try IPVSSysctl.read(.conntrack, in: .named(lab.name)) == 0)
            }
        }
    }
}
