import IPVSCore
import IPVSNetlink
import Testing

extension KernelLab {
    @Suite
    struct SyncDaemonTests {
        @Test("sync daemons start, read back with the kernel's defaults, show in ipvsadm, and stop")
        func lifecycle() throws {
            try LabNamespace.with { lab in
                try Shell.run("ip", "-n", lab.name, "link", "set", "rs0", "multicast", "on")
                let master = SyncDaemon(
                    role: .master, interface: "rs0", syncID: 7, maximumLength: 1400,
                    group: IPAddress("224.0.0.82"), port: 8849, ttl: 2)
                try lab.client.startSyncDaemon(master)
                #expect(try lab.client.syncDaemons() == [master])
                let listed = try lab.ipvsadm("-L", "--daemon")
                #expect(listed.contains("master sync daemon (mcast=rs0, syncid=7"), "\(listed)")
                #expect(listed.contains("8849"), "ipvsadm must see the port we set: \(listed)")
                try lab.client.stopSyncDaemon(.master)
                #expect(try lab.client.syncDaemons().isEmpty)

                // Left to the kernel, group, port and TTL read back as its defaults.
                // (With a master running at the same time, Linux 6.1's netlink dump reports the
                // master's settings for the backup too; so the two are tested one at a time.)
                try lab.client.startSyncDaemon(SyncDaemon(role: .backup, interface: "rs0", syncID: 9))
                let backup = try lab.client.syncDaemons().first
                #expect(backup?.role == .backup)
                #expect(backup?.interface == "rs0")
                #expect(backup?.syncID == 9)
                #expect(backup?.group == IPAddress("224.0.0.81"))
                #expect(backup?.port == 8848)
                #expect(backup?.ttl == 1)
                #expect(try lab.ipvsadm("-L", "--daemon").contains("backup sync daemon (mcast=rs0, syncid=9"))
                try lab.client.stopSyncDaemon(.backup)
                #expect(try lab.client.syncDaemons().isEmpty)
            }
        }
    }
}
