/// Which modules a kernel has, from the files `modprobe` reads: `/proc/modules` (loaded),
/// `modules.builtin` and `modules.dep` under `/lib/modules/RELEASE`. Parsing only; the caller
/// reads the files.
public struct KernelModuleIndex: Sendable {
    private let loaded: Set<String>
    private let builtIn: Set<String>
    private let available: Set<String>
    /// `modules.dep` was read: a module it does not list is missing, not unknown.
    private let indexed: Bool

    /// - Parameters:
    ///   - procModules: `/proc/modules`: one loaded module per line, its name first.
    ///   - modulesBuiltin: `modules.builtin`: one path per line (`kernel/net/.../ip_vs.ko`).
    ///   - modulesDep: `modules.dep`: `path: dependencies` per line, paths ending `.ko` or
    ///     `.ko.xz`/`.ko.zst`/`.ko.gz`.
    public init(procModules: String, modulesBuiltin: String?, modulesDep: String?) {
        loaded = Set(procModules.split(separator: "\n").compactMap { $0.split(separator: " ").first.map(Self.normalised) })
        builtIn = Set((modulesBuiltin ?? "").split(separator: "\n").compactMap(Self.moduleName(ofPath:)))
        indexed = modulesDep != nil
        available = Set(
            (modulesDep ?? "").split(separator: "\n").compactMap { line in
                line.split(separator: ":", maxSplits: 1).first.flatMap(Self.moduleName(ofPath:))
            })
    }

    public func state(of module: KernelModule) -> ModuleState {
        let name = Self.normalised(module.name[...])
        if loaded.contains(name) { return .loaded }
        if builtIn.contains(name) { return .builtIn }
        if available.contains(name) { return .available }
        return indexed ? .missing : .unknown
    }

    /// `kernel/net/netfilter/ipvs/ip_vs_rr.ko.xz` → `ip_vs_rr`.
    static func moduleName(ofPath path: Substring) -> String? {
        guard let file = path.split(separator: "/").last, let range = file.firstRange(of: ".ko") else { return nil }
        guard ["", ".xz", ".zst", ".gz"].contains(file[range.upperBound...]) else { return nil }
        return normalised(file[..<range.lowerBound])
    }

    /// Module names treat `-` and `_` alike; the kernel shows `_`.
    static func normalised(_ name: Substring) -> String {
        String(name.map { $0 == "-" ? "_" : $0 })
    }
}
