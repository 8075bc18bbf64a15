import IPVSCore

/// Decodes `scheduler: rr` or `scheduler: {name: mh, flags: [mh-fallback, mh-port]}`.
enum SchedulerDecoder {
    enum Key: String, ConfigKey {
        case name, flags
    }
    static let schedulers = Scheduler.mainline.map { (word: $0.rawValue, value: $0) }

    static func decode(_ node: ConfigNode?, into service: inout DecodedService) {
        guard let node else { return }
        var nameNode: ConfigNode? = node
        if node.isSequence {
            node.reportWrongType(expected: "a scheduler name or a mapping with name and flags")
            service.incomplete.insert(.scheduler)
            return
        }
        if node.isMapping {
            guard let fields = node.mapping(Key.self) else { return }
            nameNode = fields.required(.name)
            if let flagsNode = fields[.flags] {
                service.flags = flags(flagsNode)
            }
        }
        // Only mainline schedulers: the kernel would accept any name and fail at apply time with
        // ENOENT, far from the file.
        if let scheduler = nameNode?.choice(schedulers, code: .unknownScheduler) {
            service.scheduler = scheduler
        } else {
            service.incomplete.insert(.scheduler)
        }
    }

    private static func flags(_ node: ConfigNode) -> [Located<SchedulerFlag>] {
        (node.sequence() ?? []).compactMap { item in
            if item.scalarText == "persistent" {
                item.report(
                    .unknownFlag,
                    "'persistent' is not a scheduler flag: set sessionAffinity to make the service persistent")
                return nil
            }
            return item.choice(SchedulerFlag.words, code: .unknownFlag).map { Located(value: $0, node: item) }
        }
    }
}
