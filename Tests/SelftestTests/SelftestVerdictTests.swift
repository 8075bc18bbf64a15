import IPVSCore
import IPVSNetlink
import Selftest
import Testing

@Suite("selftest verdicts, from a node described in memory")
struct SelftestVerdictTests {
    @Test("a ready node passes every check")
    func readyNode() {
        let report = NodeSelftest.run(.plain(), inspection: ReportedNode())
        #expect(report.status == .ok, "\(report.results.filter { $0.status != .ok })")
        #expect(
            Set(report.results.map(\.check)).isSuperset(of: [
                .capabilities, .ipvs, .socketBuffers, .scheduler, .interface, .stateDirectory, .listener,
            ]))
        #expect(report.results.allSatisfy { $0.fix == nil })
    }

    @Test("a kernel without ip_vs at all: FAIL, with a kernel to boot as the fix")
    func noIPVSModule() throws {
        var node = ReportedNode()
        node.ipvsAnswer = .failure(InspectionFailure(.unavailable, "IPVS is not available in this kernel"))
        node.modules["ip_vs"] = .missing
        node.sysctls[.ipvsConntrack] = .missing
        let report = NodeSelftest.run(.plain(NodeRequirements(sysctls: [.ipvsConntrack: 1])), inspection: node)
        let ipvs = try #require(report.results(of: .ipvs).first)
        #expect(ipvs.status == .fail)
        #expect(ipvs.detail.contains("6.1.0-test-amd64") && ipvs.detail.contains("no ip_vs module"))
        #expect(ipvs.fix?.contains("CONFIG_IP_VS") == true)
        #expect(report.status == .fail)
        // Nothing that needs IPVS claims more than that it could not be checked.
        #expect(report.results(of: .socketBuffers).isEmpty)
        #expect(report.results(of: .sysctl).map(\.status) == [.warn])
    }

    @Test("ip_vs present but not loaded: the fix is modprobe")
    func ipvsNotLoaded() throws {
        var node = ReportedNode()
        node.ipvsAnswer = .failure(InspectionFailure(.unavailable, "IPVS is not available in this kernel"))
        node.modules["ip_vs"] = .available
        let ipvs = try #require(NodeSelftest.run(.plain(), inspection: node).results(of: .ipvs).first)
        #expect(ipvs.status == .fail)
        #expect(ipvs.fix?.hasPrefix("modprobe ip_vs") == true)
    }

    @Test("no module index (a kernel whose modules are not installed): unknown is said, never guessed")
    func noModuleIndex() throws {
        var node = ReportedNode()
        node.ipvsAnswer = .failure(InspectionFailure(.unavailable, "IPVS is not available in this kernel"))
        node.modules = [:].merging(["ip_vs", "ip_vs_rr", "dummy", "nf_conntrack_netlink"].map { ($0, .unknown) }) { $1 }
        let report = NodeSelftest.run(.plain(NodeRequirements(deletesUDPFlows: true)), inspection: node)
        let ipvs = try #require(report.results(of: .ipvs).first)
        #expect(ipvs.status == .fail)
        #expect(ipvs.fix?.hasPrefix("modprobe ip_vs; if there is no such module") == true)
        #expect(report.results(of: .scheduler).map(\.status) == [.warn])
        #expect(report.results(of: .interface).map(\.status) == [.warn])
        #expect(report.results(of: .conntrack).map(\.status) == [.warn])
    }

    @Test("without CAP_NET_ADMIN: FAIL on capabilities, and IPVS's refusal says how to run")
    func noPrivilege() throws {
        var node = ReportedNode()
        node.networkAdministration = false
        node.ipvsAnswer = .failure(InspectionFailure(.permissionDenied, "permission denied"))
        let report = NodeSelftest.run(.plain(), inspection: node)
        #expect(report.results(of: .capabilities).map(\.status) == [.fail])
        #expect(try #require(report.results(of: .ipvs).first).fix?.contains("CAP_NET_ADMIN") == true)
    }

    @Test("schedulers: loaded, loadable and missing modules")
    func schedulerModules() {
        var node = ReportedNode()
        node.modules["ip_vs_wrr"] = .available
        node.modules["ip_vs_mh"] = .builtIn
        let requirements = NodeRequirements(schedulers: [.maglevHashing, .roundRobin, .weightedRandomTwoChoices, .weightedRoundRobin])
        let lines = NodeSelftest.run(.plain(requirements), inspection: node).results(of: .scheduler)
        #expect(lines.map(\.subject) == ["mh", "rr", "twos", "wrr"])
        #expect(lines.map(\.status) == [.ok, .ok, .fail, .ok])
        #expect(lines[2].detail.contains("no ip_vs_twos module"))
        #expect(lines[2].fix != nil)
    }

    @Test("sysctls: as wanted, to be set, not writable, and a declared conflict")
    func sysctls() {
        var node = ReportedNode()
        node.sysctls[.ipvsConntrack] = .value(1, writable: false)
        node.sysctls[.expireNoDestinationConnections] = .value(0, writable: true)
        node.sysctls[.connectionReuseMode] = .value(1, writable: false)
        let requirements = NodeRequirements(
            sysctls: [.ipvsConntrack: 1, .expireNoDestinationConnections: 1, .connectionReuseMode: 0],
            sysctlConflict: "kernel.conntrack is false, but masquerading needs it")
        let lines = NodeSelftest.run(.plain(requirements), inspection: node).results(of: .sysctl)
        #expect(lines.map(\.status) == [.fail, .fail, .ok, .ok])
        #expect(
            lines.map(\.subject) == [
                "net.ipv4.vs.conntrack", "net.ipv4.vs.conn_reuse_mode", "net.ipv4.vs.conntrack", "net.ipv4.vs.expire_nodest_conn",
            ])
        #expect(lines[1].fix?.contains("ReadWritePaths") == true)
        #expect(lines[3].detail == "is 0; apply sets 1")
    }

    @Test("strict ARP: a warning only when announced addresses meet arp_ignore=0 and nothing is declared")
    func strictARP() {
        var node = ReportedNode()
        #expect(
            NodeSelftest.run(.plain(NodeRequirements(announcesAddresses: true)), inspection: node).results(of: .strictARP).map(\.status)
                == [.warn])
        #expect(
            NodeSelftest.run(.plain(NodeRequirements(announcesAddresses: false)), inspection: node).results(of: .strictARP).map(\.status)
                == [.ok])
        #expect(
            NodeSelftest.run(.plain(NodeRequirements(strictARP: false, announcesAddresses: true)), inspection: node)
                .results(of: .strictARP).map(\.status) == [.ok])
        node.sysctls[.arpIgnore] = .value(1, writable: true)
        #expect(
            NodeSelftest.run(.plain(NodeRequirements(announcesAddresses: true)), inspection: node).results(of: .strictARP).map(\.status)
                == [.ok])
    }

    @Test("the VIP interface: missing is fine, a dummy is fine, anything else fails")
    func interface() {
        var node = ReportedNode()
        func line() -> CheckResult? { NodeSelftest.run(.plain(), inspection: node).results(of: .interface).first }
        #expect(line()?.status == .ok)
        node.modules["dummy"] = .missing
        #expect(line()?.status == .fail)
        node.links["ipvs0"] = LinkState(kind: "dummy", isUp: false)
        #expect(line()?.status == .ok)
        #expect(line()?.detail.contains("down") == true)
        node.links["ipvs0"] = LinkState(kind: "veth", isUp: true)
        #expect(line()?.status == .fail)
        #expect(line()?.detail.contains("a veth link, not a dummy") == true)
    }

    @Test("the state directory: writable, missing, read-only, a ledger that does not load")
    func stateDirectory() {
        var node = ReportedNode()
        func status(_ state: DirectoryState) -> CheckStatus? {
            node.directories["/var/lib/ipvsctl-swift"] = state
            return NodeSelftest.run(.plain(), inspection: node).results(of: .stateDirectory).first?.status
        }
        #expect(status(.writable(ledgerProblem: nil)) == .ok)
        #expect(status(.missing(creatable: true)) == .ok)
        #expect(status(.missing(creatable: false)) == .fail)
        #expect(status(.notWritable("Read-only file system")) == .fail)
        #expect(status(.notDirectory) == .fail)
        #expect(status(.writable(ledgerProblem: "bad entry")) == .fail)
    }

    @Test("listeners: the metrics address and every health port; one in use fails")
    func listeners() {
        var node = ReportedNode()
        node.portsInUse = [30_001]
        var subject = NodeSelftest.Subject.plain(NodeRequirements(healthPorts: [30_000, 30_001]))
        subject.listeners += [30_000, 30_001].map { Listener(purpose: "health port", host: "0.0.0.0", port: $0) }
        let lines = NodeSelftest.run(subject, inspection: node).results(of: .listener)
        #expect(lines.map(\.subject) == ["127.0.0.1:9469", "0.0.0.0:30000", "0.0.0.0:30001"])
        #expect(lines.map(\.status) == [.ok, .ok, .fail])
    }

    @Test("nftables and conntrack are checked only where the config needs them")
    func packetPath() {
        var node = ReportedNode()
        node.packetFilterAnswer = .failure(InspectionFailure(.unavailable, "cannot list the nftables tables"))
        node.modules["nf_conntrack_netlink"] = .missing
        let unneeded = NodeSelftest.run(.plain(), inspection: node)
        #expect(unneeded.results(of: .nftables).map(\.status) == [.ok])
        #expect(unneeded.results(of: .conntrack).map(\.status) == [.ok])
        let needed = NodeSelftest.run(.plain(NodeRequirements(needsPacketFilter: true, deletesUDPFlows: true)), inspection: node)
        #expect(needed.results(of: .nftables).map(\.status) == [.fail])
        #expect(needed.results(of: .nftables).first?.fix == "modprobe nf_tables")
        #expect(needed.results(of: .conntrack).map(\.status) == [.fail])
    }

    @Test("socket buffers capped by rmem_max: a warning, not a failure")
    func buffers() {
        var node = ReportedNode()
        node.ipvsAnswer = .success(
            IPVSStatus(
                info: IPVSInfo(version: 0x01_02_01, connectionTableSize: 4096),
                buffers: SocketBuffers(sendAsked: 4 << 20, sendGranted: 425_984, receiveAsked: 8 << 20, receiveGranted: 425_984)))
        let report = NodeSelftest.run(.plain(), inspection: node)
        #expect(report.results(of: .socketBuffers).map(\.status) == [.warn])
        #expect(report.results(of: .socketBuffers).first?.detail.hasPrefix("send 208 KiB of 4 MiB, receive 208 KiB of 8 MiB") == true)
        #expect(report.status == .warn)
    }

    @Test("an invalid config fails and says how to see every problem")
    func invalidConfig() throws {
        let report = NodeSelftest.run(
            .plain(config: .invalid(path: "c.yaml", problems: "c.yaml:3:5: services[0].ports: missing")),
            inspection: ReportedNode())
        let line = try #require(report.results(of: .config).first)
        #expect(line.status == .fail)
        #expect(line.detail.hasPrefix("c.yaml:3:5"))
        #expect(line.fix == "ipvsctl-swift validate --config c.yaml lists every problem with its line and column")
    }
}
