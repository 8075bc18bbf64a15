/// The process's privilege, the VIP interface and the state directory.
enum HostChecks {
    static func capabilities(_ inspection: some NodeInspecting) -> CheckResult {
        inspection.hasNetworkAdministration()
            ? CheckResult(.capabilities, .ok, "CAP_NET_ADMIN is effective")
            : CheckResult(
                .capabilities, .fail, "CAP_NET_ADMIN is not effective: IPVS, addresses and sysctls cannot be changed",
                fix: KernelChecks.runWithNetworkAdministration)
    }

    static func interface(_ requirements: NodeRequirements, _ inspection: some NodeInspecting) -> CheckResult {
        let name = requirements.interface
        switch inspection.link(named: name) {
        case .success(nil):
            switch inspection.module(.dummy) {
            case .missing:
                return CheckResult(
                    .interface, subject: name, .fail,
                    "\(name) does not exist and this kernel (\(inspection.kernelRelease)) has no dummy module to make it",
                    fix: "boot a kernel built with CONFIG_DUMMY")
            case .unknown:
                return CheckResult(
                    .interface, subject: name, .warn,
                    "\(name) does not exist yet and apply creates it as a dummy interface; whether this kernel has the dummy module cannot be told (no module index under /lib/modules)"
                )
            case .loaded, .builtIn, .available:
                break
            }
            return CheckResult(.interface, subject: name, .ok, "\(name) does not exist yet; apply creates it as a dummy interface")
        case .success(let link?) where link.kind == "dummy":
            return CheckResult(
                .interface, subject: name, .ok, "\(name) is a dummy interface, \(link.isUp ? "up" : "down (apply sets it up)")")
        case .success(let link?):
            return CheckResult(
                .interface, subject: name, .fail,
                "\(name) is \(link.kind.map { "a \($0) link" } ?? "a link without a kind (a physical device?)"), not a dummy: apply refuses to put addresses on it",
                fix: "name a free interface in the config (interface:)")
        case .failure(let failure):
            return CheckResult(
                .interface, subject: name, .fail, failure.message,
                fix: failure.kind == .permissionDenied ? KernelChecks.runWithNetworkAdministration : nil)
        }
    }

    static func stateDirectory(_ path: String, _ inspection: some NodeInspecting) -> CheckResult {
        let fix = "make it a directory the agent can write (the unit's StateDirectory= does), or pass --state-dir"
        return switch inspection.stateDirectory(path) {
        case .writable(nil): CheckResult(.stateDirectory, subject: path, .ok, "writable; the ledger of owned objects loads")
        case .writable(let problem?):
            CheckResult(
                .stateDirectory, subject: path, .fail, "the ledger does not load: \(problem)",
                fix:
                    "a ledger written by a newer version needs that version; otherwise restore it from a backup (without it, owned objects are treated as foreign)"
            )
        case .missing(creatable: true):
            CheckResult(
                .stateDirectory, subject: path, .ok, "does not exist yet; the first apply creates it (under systemd, StateDirectory= does)")
        case .missing(creatable: false):
            CheckResult(.stateDirectory, subject: path, .fail, "does not exist and cannot be created", fix: fix)
        case .notDirectory: CheckResult(.stateDirectory, subject: path, .fail, "is not a directory", fix: fix)
        case .notWritable(let reason): CheckResult(.stateDirectory, subject: path, .fail, "is not writable: \(reason)", fix: fix)
        }
    }
}
