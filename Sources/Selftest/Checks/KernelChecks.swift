import IPVSCore

/// IPVS itself, its scheduler modules, its socket buffers, and the kernel settings a plan writes.
enum KernelChecks {
    /// The IPVS line, and whether IPVS answered (the IPVS sysctls exist only then).
    static func ipvs(_ inspection: some NodeInspecting) -> (results: [CheckResult], status: IPVSStatus?) {
        switch inspection.ipvs() {
        case .success(let status):
            let line = CheckResult(
                .ipvs, .ok,
                "IPVS \(status.info.versionString) answers over generic netlink (connection table of \(status.info.connectionTableSize) entries)"
            )
            return ([line, buffers(status)], status)
        case .failure(let failure) where failure.kind == .unavailable:
            let line: CheckResult =
                switch inspection.module(.ipvs) {
                case .available:
                    CheckResult(
                        .ipvs, .fail, "IPVS is not loaded (the kernel has no IPVS generic netlink family)",
                        fix: "modprobe ip_vs, and load it at boot from /etc/modules-load.d/ (the package's ipvsctl-swift.conf does)")
                case .missing:
                    CheckResult(
                        .ipvs, .fail, "this kernel (\(inspection.kernelRelease)) has no ip_vs module",
                        fix: "boot a kernel built with CONFIG_IP_VS (Debian's linux-image-amd64 has it as a module)")
                case .unknown:
                    CheckResult(
                        .ipvs, .fail,
                        "IPVS is not available in this kernel (\(inspection.kernelRelease)), which has no module index under /lib/modules",
                        fix: "modprobe ip_vs; if there is no such module, boot a kernel built with CONFIG_IP_VS")
                case .loaded, .builtIn:
                    CheckResult(
                        .ipvs, .fail, "the ip_vs module is loaded, yet IPVS does not answer here: \(failure.message)",
                        fix: "check that this is the network namespace meant (--netns)")
                }
            return ([line], nil)
        case .failure(let failure) where failure.kind == .permissionDenied:
            return ([CheckResult(.ipvs, .fail, failure.message, fix: runWithNetworkAdministration)], nil)
        case .failure(let failure):
            return ([CheckResult(.ipvs, .fail, failure.message)], nil)
        }
    }

    static let runWithNetworkAdministration = "run as root, or with CAP_NET_ADMIN (the systemd unit grants it)"

    /// A buffer below what was asked for still works: a batch whose replies overflow it is read
    /// back and retried, which costs time at scale.
    static func buffers(_ status: IPVSStatus) -> CheckResult {
        let buffers = status.buffers
        let text =
            "send \(mebibytes(buffers.sendGranted / 2)) of \(mebibytes(buffers.sendAsked)), receive \(mebibytes(buffers.receiveGranted / 2)) of \(mebibytes(buffers.receiveAsked)) asked for"
        guard buffers.sendMet, buffers.receiveMet else {
            return CheckResult(
                .socketBuffers, .warn,
                text
                    + ": net.core.wmem_max/rmem_max cap them, so large batches and dumps are cut into more round trips and may overflow (ENOBUFS, then a re-read)",
                fix:
                    "run with CAP_NET_ADMIN (the unit does; it forces the sizes), or sysctl -w net.core.rmem_max=\(buffers.receiveAsked) net.core.wmem_max=\(buffers.sendAsked)"
            )
        }
        return CheckResult(.socketBuffers, .ok, text)
    }

    static func mebibytes(_ bytes: Int) -> String {
        bytes % (1 << 20) == 0 ? "\(bytes >> 20) MiB" : "\(bytes >> 10) KiB"
    }

    /// One line per scheduler the config uses.
    static func schedulers(_ requirements: NodeRequirements, _ inspection: some NodeInspecting) -> [CheckResult] {
        requirements.schedulers.map { scheduler in
            let module = KernelModule.scheduler(scheduler)
            return switch inspection.module(module) {
            case .loaded: CheckResult(.scheduler, subject: scheduler.rawValue, .ok, "\(module) is loaded")
            case .builtIn: CheckResult(.scheduler, subject: scheduler.rawValue, .ok, "\(module) is built into the kernel")
            case .available:
                CheckResult(
                    .scheduler, subject: scheduler.rawValue, .ok,
                    "\(module) is not loaded; the kernel loads it when the first service uses it")
            case .unknown:
                CheckResult(
                    .scheduler, subject: scheduler.rawValue, .warn,
                    "cannot tell whether this kernel (\(inspection.kernelRelease)) has \(module): it has no module index under /lib/modules"
                )
            case .missing:
                CheckResult(
                    .scheduler, subject: scheduler.rawValue, .fail,
                    "this kernel (\(inspection.kernelRelease)) has no \(module) module: services with scheduler \(scheduler.rawValue) cannot be created",
                    fix: "choose another scheduler for them, or boot a kernel that has \(module)")
            }
        }
    }

    /// One line per sysctl `apply` writes, and one for a declared setting that contradicts the
    /// packet path.
    static func sysctls(_ requirements: NodeRequirements, ipvsAnswered: Bool, _ inspection: some NodeInspecting) -> [CheckResult] {
        var results: [CheckResult] = []
        if let conflict = requirements.sysctlConflict {
            results.append(
                CheckResult(
                    .sysctl, subject: KernelSysctl.ipvsConntrack.name, .fail, conflict,
                    fix: "remove kernel.conntrack: false from the config"))
        }
        for (name, wanted) in requirements.sysctls.sorted(by: { $0.key < $1.key }) {
            let subject = name.name
            switch inspection.sysctl(name) {
            case .value(let value, _) where value == wanted:
                results.append(CheckResult(.sysctl, subject: subject, .ok, "is \(value), as declared"))
            case .value(let value, writable: true):
                results.append(CheckResult(.sysctl, subject: subject, .ok, "is \(value); apply sets \(wanted)"))
            case .value(let value, writable: false):
                results.append(
                    CheckResult(
                        .sysctl, subject: subject, .fail, "is \(value), \(wanted) is wanted, and it cannot be written here",
                        fix: name.needsIPVS
                            ? runWithNetworkAdministration + "; under systemd, ReadWritePaths=/proc/sys/net/ipv4/vs"
                            : runWithNetworkAdministration))
            case .missing where name.needsIPVS && !ipvsAnswered:
                results.append(
                    CheckResult(.sysctl, subject: subject, .warn, "not checked: it exists once IPVS is loaded (see the ipvs line)"))
            case .missing:
                results.append(
                    CheckResult(
                        .sysctl, subject: subject, .fail, "does not exist in this kernel (\(inspection.kernelRelease))",
                        fix: "remove the setting from the config, or boot a kernel that has it"))
            case .unreadable(let reason):
                results.append(CheckResult(.sysctl, subject: subject, .fail, reason, fix: runWithNetworkAdministration))
            }
        }
        return results
    }

    /// Strict ARP when the config does not declare it: a node that holds announced addresses
    /// on its dummy interface answers ARP for them unless `arp_ignore` says otherwise.
    static func strictARP(_ requirements: NodeRequirements, _ inspection: some NodeInspecting) -> [CheckResult] {
        if let declared = requirements.strictARP {
            return [CheckResult(.strictARP, .ok, "kernel.strictARP: \(declared) is declared (the sysctl lines show what apply sets)")]
        }
        guard case .value(let ignore, _) = inspection.sysctl(.arpIgnore) else {
            return [CheckResult(.strictARP, .warn, "\(KernelSysctl.arpIgnore.name) could not be read")]
        }
        let current = "\(KernelSysctl.arpIgnore.name) is \(ignore)"
        guard requirements.announcesAddresses, ignore == 0 else {
            return [
                CheckResult(
                    .strictARP, .ok, current + (requirements.announcesAddresses ? "" : "; no external or load-balancer IPs are declared"))
            ]
        }
        return [
            CheckResult(
                .strictARP, .warn, current + ": this node answers ARP for every virtual address on \(requirements.interface)",
                fix: "declare kernel.strictARP: true if an L2 load balancer (MetalLB...) announces the external or load-balancer IPs")
        ]
    }
}
