import IPVSCore

/// What a service gives the health checks written in it.
struct HealthCheckScope {
    /// The service's `healthCheck` as written; nil when it has none.
    var service: HealthCheckDeclaration?
    /// The service's check with every default filled in: what an endpoint without an override
    /// carries.
    var check: HealthCheck?
    /// A firewall-mark service without ports whose packets keep their own port (targetPort 0)
    /// has no port a check could default to: each check must name one.
    var needsPort = false
}

/// Decodes `healthCheck:` of a service, and of an endpoint, where it overrides the service's
/// keys one by one. Besides each value's type and range, the rules between the keys of a check
/// are checked here, where the merge of the two levels is known: which keys the kind reads, a
/// timeout within the interval, the keys a kind requires, a port where there is no default.
/// Problems about an override are reported in the endpoint's mapping; what it inherits was
/// checked at the service.
enum HealthCheckDecoder {
    enum Key: String, ConfigKey {
        case type, port, intervalSeconds, timeoutSeconds, jitter, rise, fall, initiallyHealthy
        case path, host, expectedStatus, bodyContains, send, sendHex, expect, expectHex, query, command, tls

        /// The kinds that read this key; nil for the keys every kind reads.
        var readers: [ProbeKind]? {
            switch self {
            case .path, .host, .expectedStatus, .bodyContains: [.http, .https]
            case .send, .sendHex, .expect, .expectHex: [.udp]
            case .query: [.dns]
            case .command: [.exec]
            case .tls: [.https]
            case .type, .port, .intervalSeconds, .timeoutSeconds, .jitter, .rise, .fall, .initiallyHealthy: nil
            }
        }
    }

    /// A service's own check: `type` is required.
    static func decode(service node: ConfigNode, needsPort: Bool) -> HealthCheckScope {
        let declaration = decode(node, over: nil, needsPort: needsPort, typeReason: "")
        return HealthCheckScope(service: declaration, check: declaration.check, needsPort: needsPort)
    }

    /// An endpoint's effective check: the service's with this override applied. Without a
    /// service check the override is a whole check and must name its type.
    static func decode(endpoint node: ConfigNode, in scope: HealthCheckScope) -> HealthCheck? {
        decode(
            node, over: scope.service, needsPort: scope.needsPort,
            typeReason: ": the service has no healthCheck to take it from"
        ).check
    }

    /// The mapping at `node` merged over `inherited` (nil: nothing to inherit).
    private static func decode(
        _ node: ConfigNode, over inherited: HealthCheckDeclaration?, needsPort: Bool,
        typeReason: String
    ) -> HealthCheckDeclaration {
        guard let fields = node.mapping(Key.self) else { return .unreadable }
        var own = HealthCheckDeclaration(fields: fields)
        own.kind = kind(fields, inherited: inherited, typeReason: typeReason)
        own.port = Written(fields[.port]) { $0.integer(in: Limits.port) }
        own.interval = Written(fields[.intervalSeconds]) { $0.seconds(in: Limits.probeSeconds) }
        own.timeout = Written(fields[.timeoutSeconds]) { $0.seconds(in: Limits.probeSeconds) }
        own.jitter = Written(fields[.jitter]) { $0.decimal(in: Limits.fraction) }
        own.rise = Written(fields[.rise]) { $0.integer(in: Limits.riseFall) }
        own.fall = Written(fields[.fall]) { $0.integer(in: Limits.riseFall) }
        own.initiallyHealthy = Written(fields[.initiallyHealthy]) { $0.bool() }
        let kindInherited = own.kind.isAbsent && inherited != nil
        own.specific = probeSettings(fields, kind: own.kind.or(inherited?.kind ?? .absent), kindInherited: kindInherited)

        let merged = inherited?.overridden(by: own) ?? own
        checkTimeout(merged, own: own, inherited: inherited)
        if let kind = own.kind.value {
            checkRequiredKeys(of: kind, merged, at: node)
        }
        // With a service check the port is the service's problem, reported there.
        if needsPort, inherited == nil, merged.port.isAbsent {
            node.report(
                .missingKey, missing: Key.port.rawValue,
                "required key 'port' is missing: the service's firewallMark.targetPort is 0 (each packet keeps its own port), so there is no target port to probe"
            )
        }
        return merged
    }

    /// `type`: required where nothing is inherited. An override names it only to switch to
    /// another kind, since a switch drops the service's kind-specific keys and repeating the
    /// same type would leave unclear whether they are kept.
    private static func kind(_ fields: ConfigMapping<Key>, inherited: HealthCheckDeclaration?, typeReason: String) -> Written<ProbeKind> {
        guard let inherited else {
            guard let typeNode = fields.required(.type, reason: typeReason) else { return .refused }
            return Written(typeNode) { $0.choice(ProbeKind.words) }
        }
        let typeNode = fields[.type]
        let kind = Written(typeNode) { $0.choice(ProbeKind.words) }
        if let typeNode, let own = kind.value, own == inherited.kind.value {
            typeNode.report(
                .notApplicable,
                "the service's check is already \(own.rawValue): leave type out to inherit the service's settings, or give another type to switch"
            )
            return .absent
        }
        return kind
    }

    /// The kind-specific keys, each refused when the kind in effect does not read it. With the
    /// kind unknown (refused, reported) they are read for their own problems only.
    private static func probeSettings(
        _ fields: ConfigMapping<Key>, kind: Written<ProbeKind>,
        kindInherited: Bool
    ) -> HealthCheckDeclaration.ProbeSettings {
        func read<Value>(_ key: Key, _ decode: (ConfigNode) -> Value?) -> Written<Value> {
            guard let node = fields[key] else { return .absent }
            if let kind = kind.value, let kinds = key.readers, !kinds.contains(kind) {
                let readers = kinds.map(\.rawValue).joined(separator: " and ")
                node.report(
                    .notApplicable,
                    "\(key.rawValue) applies only to \(readers) checks; this check is \(kind.rawValue)\(kindInherited ? " (the service's type)" : "")"
                )
                return .refused
            }
            return Written(node, decode)
        }
        // One payload, written as text or as hexadecimal bytes.
        func payload(text: Key, hex: Key) -> Written<[UInt8]> {
            let asText = read(text) { $0.name().map { Array($0.utf8) } }
            let asHex = read(hex) { $0.hexBytes() }
            guard let textNode = fields[text], let hexNode = fields[hex] else { return asText.or(asHex) }
            // Where the kind reads neither, each was refused already: not also "both".
            if kind.value.map({ text.readers?.contains($0) ?? true }) ?? true {
                func place(_ node: ConfigNode) -> (Int, Int) { (node.line, node.column) }
                let second = place(hexNode) > place(textNode) ? hexNode : textNode
                second.report(
                    .notApplicable, "give \(text.rawValue) or \(hex.rawValue), not both: they are two ways of writing one payload")
            }
            return .refused
        }
        return HealthCheckDeclaration.ProbeSettings(
            path: read(.path) { $0.httpPath() },
            host: read(.host) { $0.httpHost() },
            expectedStatus: read(.expectedStatus) { $0.statusRange() },
            bodyContains: read(.bodyContains) { $0.name() },
            send: payload(text: .send, hex: .sendHex),
            expect: payload(text: .expect, hex: .expectHex),
            query: read(.query) { $0.dnsName() },
            command: read(.command) { $0.command() },
            tls: read(.tls) { $0.tlsSettings() })
    }

    /// A probe must end before the next one is due: the timeout at most the interval. Reported
    /// at whichever of the two this mapping writes, the timeout first.
    private static func checkTimeout(
        _ merged: HealthCheckDeclaration, own: HealthCheckDeclaration,
        inherited: HealthCheckDeclaration?
    ) {
        guard let fields = own.fields, let timeout = merged.timeout.value, let interval = merged.effectiveInterval,
            timeout > interval
        else { return }
        let why = ": a probe must end before the next one is due"
        if !own.timeout.isAbsent, let node = fields[.timeoutSeconds] {
            let source = !own.interval.isAbsent ? "" : inherited?.interval.isAbsent == false ? "the service's " : "the default "
            node.report(
                .outOfRange,
                "timeoutSeconds \(seconds(timeout)) is longer than \(source)intervalSeconds \(seconds(interval))\(why)")
        } else if let node = fields[.intervalSeconds] {
            node.report(
                .outOfRange,
                "intervalSeconds \(seconds(interval)) is shorter than the service's timeoutSeconds \(seconds(timeout))\(why)")
        }
    }

    /// The keys without which a kind has nothing to probe with. Checked where the type is
    /// named: a check that inherits its kind inherits these keys too.
    private static func checkRequiredKeys(of kind: ProbeKind, _ merged: HealthCheckDeclaration, at node: ConfigNode) {
        let settings = merged.specific
        switch kind {
        case .udp where settings.send.isAbsent:
            node.report(
                .missingKey, missing: "send",
                "required key 'send' is missing: a udp check needs a payload, as text (send) or as hexadecimal bytes (sendHex)")
        case .dns where settings.query.isAbsent:
            node.report(.missingKey, missing: "query", "required key 'query' is missing: a dns check needs the name to ask for")
        case .exec where settings.command.isAbsent:
            node.report(.missingKey, missing: "command", "required key 'command' is missing: an exec check needs the program to run")
        default:
            break
        }
    }

    /// A duration as the file writes it: `2`, `0.5`.
    private static func seconds(_ duration: Duration) -> String {
        let milliseconds = duration.components.seconds * 1000 + duration.components.attoseconds / 1_000_000_000_000_000
        return milliseconds.isMultiple(of: 1000) ? "\(milliseconds / 1000)" : "\(Double(milliseconds) / 1000)"
    }
}
