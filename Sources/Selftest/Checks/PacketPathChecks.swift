/// nf_tables for our table and ctnetlink for UDP flows, when the config needs them.
enum PacketPathChecks {
    static func nftables(_ requirements: NodeRequirements, _ inspection: some NodeInspecting) -> [CheckResult] {
        guard requirements.needsPacketFilter else {
            return [CheckResult(.nftables, .ok, "not needed: nothing is masqueraded and no source range is declared")]
        }
        switch inspection.packetFilter() {
        case .success(let present):
            return [
                CheckResult(
                    .nftables, .ok,
                    "nf_tables answers; our table inet ipvsctl_swift \(present ? "exists" : "does not exist yet (apply makes it)")")
            ]
        case .failure(let failure) where failure.kind == .unavailable:
            return [
                CheckResult(
                    .nftables, .fail, failure.message,
                    fix: inspection.module(.nfTables) == .missing
                        ? "boot a kernel built with CONFIG_NF_TABLES" : "modprobe nf_tables")
            ]
        case .failure(let failure):
            return [
                CheckResult(
                    .nftables, .fail, failure.message,
                    fix: failure.kind == .permissionDenied ? KernelChecks.runWithNetworkAdministration : nil)
            ]
        }
    }

    static func conntrack(_ requirements: NodeRequirements, _ inspection: some NodeInspecting) -> [CheckResult] {
        guard requirements.deletesUDPFlows else {
            return [CheckResult(.conntrack, .ok, "not needed: no UDP virtual service")]
        }
        let module = KernelModule.conntrackNetlink
        return switch inspection.module(module) {
        case .loaded, .builtIn:
            [CheckResult(.conntrack, .ok, "\(module) is there: the flows of a UDP real server that leaves can be deleted")]
        case .available:
            [CheckResult(.conntrack, .ok, "\(module) is not loaded; the kernel loads it on the first conntrack request")]
        case .unknown:
            [
                CheckResult(
                    .conntrack, .warn,
                    "cannot tell whether this kernel (\(inspection.kernelRelease)) has \(module): it has no module index under /lib/modules"
                )
            ]
        case .missing:
            [
                CheckResult(
                    .conntrack, .fail,
                    "this kernel (\(inspection.kernelRelease)) has no \(module): UDP clients keep a departed real server until their entry expires",
                    fix: "boot a kernel built with CONFIG_NF_CT_NETLINK")
            ]
        }
    }
}
