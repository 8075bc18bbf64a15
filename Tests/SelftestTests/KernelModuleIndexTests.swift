import Testing

@testable import Selftest

@Suite("which modules a kernel has, from the files modprobe reads")
struct KernelModuleIndexTests {
    let index = KernelModuleIndex(
        procModules: """
            ip_vs_rr 12288 1 - Live 0x0000000000000000
            ip_vs 204800 3 ip_vs_rr, Live 0x0000000000000000
            nf_conntrack 180224 1 ip_vs, Live 0x0000000000000000

            """,
        modulesBuiltin: "kernel/drivers/net/dummy.ko\nkernel/net/netfilter/nf-tables.ko\n",
        modulesDep: """
            kernel/net/netfilter/ipvs/ip_vs.ko: kernel/net/netfilter/nf_conntrack.ko
            kernel/net/netfilter/ipvs/ip_vs_rr.ko: kernel/net/netfilter/ipvs/ip_vs.ko
            kernel/net/netfilter/ipvs/ip_vs_mh.ko.xz: kernel/net/netfilter/ipvs/ip_vs.ko
            kernel/net/netfilter/ipvs/ip_vs_sh.ko.zst:
            kernel/net/netfilter/ipvs/ip_vs_kos.ko.notes: whatever
            """)

    @Test("loaded beats built-in beats available; a compressed file counts; '-' and '_' are one")
    func states() {
        #expect(index.state(of: .ipvs) == .loaded)
        #expect(index.state(of: KernelModule("ip_vs_rr")) == .loaded)
        #expect(index.state(of: .dummy) == .builtIn)
        #expect(index.state(of: .nfTables) == .builtIn)
        #expect(index.state(of: KernelModule("ip_vs_mh")) == .available)
        #expect(index.state(of: KernelModule("ip_vs_sh")) == .available)
        #expect(index.state(of: KernelModule("ip_vs_twos")) == .missing)
        #expect(index.state(of: KernelModule("ip_vs_kos")) == .missing)
    }

    @Test("no modules directory (a kernel without modules): only what is loaded")
    func noDirectory() {
        let bare = KernelModuleIndex(procModules: "", modulesBuiltin: nil, modulesDep: nil)
        #expect(bare.state(of: .ipvs) == .unknown)
        let loadedOnly = KernelModuleIndex(procModules: "ip_vs 204800 0 - Live 0x0\n", modulesBuiltin: nil, modulesDep: nil)
        #expect(loadedOnly.state(of: .ipvs) == .loaded)
    }

    @Test("CAP_NET_ADMIN is bit 12 of CapEff")
    func capabilities() {
        #expect(LiveNodeInspection.effectiveCapabilities(inStatus: "Name:\tx\nCapInh:\t0\nCapEff:\t000001ffffffffff\n") == 0x1ff_ffff_ffff)
        #expect(LiveNodeInspection.effectiveCapabilities(inStatus: "CapEff:\t0000000000001000\n").map { $0 & (1 << 12) != 0 } == true)
        #expect(LiveNodeInspection.effectiveCapabilities(inStatus: "CapEff:\t0000000000000000\n") == 0)
        #expect(LiveNodeInspection.effectiveCapabilities(inStatus: "Name:\tx\n") == nil)
    }
}
