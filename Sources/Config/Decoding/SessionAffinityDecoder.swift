import IPVSCore

/// Decodes `sessionAffinity`: `None`, `ClientIP` (Kubernetes' words, with its default timeout of
/// three hours) or `{timeoutSeconds, prefixLength}`. Session affinity is IPVS persistence, which
/// is why `persistent` is not a scheduler flag in this format.
enum SessionAffinityDecoder {
    enum Key: String, ConfigKey {
        case timeoutSeconds, prefixLength
    }

    enum Word { case none, clientIP }
    static let words: [(word: String, value: Word)] = [("None", .none), ("ClientIP", .clientIP)]

    static func decode(_ node: ConfigNode?, into service: inout DecodedService) {
        guard let node else { return }
        if node.isSequence {
            node.reportWrongType(expected: "None, ClientIP or a mapping with timeoutSeconds")
            return
        }
        guard node.isMapping else {
            if node.choice(words) == .clientIP {
                service.sessionAffinity = SessionAffinity(timeoutSeconds: Limits.defaultSessionAffinityTimeout)
            }
            return
        }
        guard let fields = node.mapping(Key.self) else { return }
        let timeout = fields[.timeoutSeconds]?.integer(in: Limits.sessionAffinityTimeout)
        let prefixNode = fields[.prefixLength]
        let prefixLength = prefixNode?.integer(in: Limits.prefixLength)
        service.prefixLength = located(prefixLength, prefixNode)
        service.sessionAffinity = SessionAffinity(
            timeoutSeconds: timeout ?? Limits.defaultSessionAffinityTimeout, prefixLength: prefixLength)
    }
}
