import IPVSCore

/// The `health-check*` annotations: a check of the named type, or the agent's default check,
/// with each key written replacing that setting.
enum HealthCheckAnnotations {
    /// The probes an annotation may ask for; `exec` is left out on purpose (see ``ServiceAnnotation``).
    enum Kind: String, CaseIterable {
        case tcp, http, https, udp, dns

        /// The keys only this kind reads.
        var ownKeys: Set<ServiceAnnotation> {
            switch self {
            case .tcp: []
            case .http, .https: [.healthCheckPath, .healthCheckHost, .healthCheckExpectedStatus]
            case .udp: [.healthCheckSend, .healthCheckExpect]
            case .dns: [.healthCheckQuery]
            }
        }

        init(_ probe: HealthCheck.Probe) {
            switch probe {
            case .tcp, .exec: self = .tcp
            case .http(let http): self = http.secure ? .https : .http
            case .udp(.dns): self = .dns
            case .udp(.payload): self = .udp
            }
        }
    }

    static let kindSpecificKeys: Set<ServiceAnnotation> = Kind.allCases.reduce(into: []) { $0.formUnion($1.ownKeys) }
    static let commonKeys: [ServiceAnnotation] = [
        .healthCheckPort, .healthCheckIntervalSeconds, .healthCheckTimeoutSeconds, .healthCheckRise, .healthCheckFall,
    ]

    static func check(reading reader: inout AnnotationReader, default fallback: HealthCheck?) -> HealthCheck? {
        let named = reader.read(.healthCheck) { (text: String) -> Result<Kind, InvalidAnnotation> in
            if text == "exec" {
                return .failure(
                    InvalidAnnotation(
                        reason:
                            "exec checks cannot be asked for by an annotation (it would run a command on every node); the default check stays"
                    ))
            }
            return AnnotationValue.choice(Kind.allCases.map { ($0.rawValue, $0) })(text)
        }
        let refinements = commonKeys + kindSpecificKeys.sorted { $0.rawValue < $1.rawValue }
        guard var check = named.map({ HealthCheck(probe: probe(of: $0, reading: &reader)) }) ?? fallback else {
            for key in refinements where reader.has(key) {
                reader.report(key, "needs \(ServiceAnnotation.healthCheck.key) (or a default check of the agent) to refine; unused")
            }
            return nil
        }
        let kind = Kind(check.probe)
        for key in kindSpecificKeys.subtracting(kind.ownKeys).sorted(by: { $0.rawValue < $1.rawValue }) where reader.has(key) {
            reader.report(key, "does not apply to a \(kind.rawValue) check; unused")
        }
        // A named check read its kind's keys when it was made; the default check takes them now.
        if named == nil { check.probe = refined(check.probe, reading: &reader) }

        if let port = reader.read(.healthCheckPort, AnnotationValue.integer(in: 1...65535)) { check.port = UInt16(port) }
        if let interval = reader.read(.healthCheckIntervalSeconds, AnnotationValue.seconds(in: 0.001...86_400)) {
            check.interval = interval
            check.timeout = min(check.timeout, interval)
        }
        if let timeout = reader.read(.healthCheckTimeoutSeconds, AnnotationValue.seconds(in: 0.001...86_400)) {
            if timeout <= check.interval {
                check.timeout = timeout
            } else {
                reader.report(
                    .healthCheckTimeoutSeconds, "longer than the interval (a probe must end before the next one is due); the default stays")
            }
        }
        if let rise = reader.read(.healthCheckRise, AnnotationValue.integer(in: 1...100)) { check.rise = rise }
        if let fall = reader.read(.healthCheckFall, AnnotationValue.integer(in: 1...100)) { check.fall = fall }
        return check
    }

    /// A new probe of `kind` from its own keys. A required key missing or unusable falls back
    /// to a TCP connect, reported.
    private static func probe(of kind: Kind, reading reader: inout AnnotationReader) -> HealthCheck.Probe {
        switch kind {
        case .tcp:
            return .tcp
        case .http, .https:
            return refined(.http(HealthCheck.HTTPProbe(secure: kind == .https)), reading: &reader)
        case .udp:
            guard let send = reader.read(.healthCheckSend, AnnotationValue.nonEmpty) else {
                reader.report(
                    .healthCheck, "a udp check needs \(ServiceAnnotation.healthCheckSend.key); probing with a TCP connect instead")
                return .tcp
            }
            return refined(.udp(.payload(send: Array(send.utf8), expect: nil)), reading: &reader)
        case .dns:
            guard let name = reader.read(.healthCheckQuery, dnsName) else {
                reader.report(
                    .healthCheck, "a dns check needs \(ServiceAnnotation.healthCheckQuery.key); probing with a TCP connect instead")
                return .tcp
            }
            return .udp(.dns(name: name))
        }
    }

    /// `probe` with the optional keys of its kind applied.
    private static func refined(_ probe: HealthCheck.Probe, reading reader: inout AnnotationReader) -> HealthCheck.Probe {
        switch probe {
        case .http(var http):
            if let path = reader.read(.healthCheckPath, httpPath) { http.path = path }
            if let host = reader.read(.healthCheckHost, AnnotationValue.nonEmpty) { http.host = host }
            if let statuses = reader.read(.healthCheckExpectedStatus, statusRange) { http.expectedStatus = statuses }
            return .http(http)
        case .udp(.payload(let send, let expect)):
            return .udp(
                .payload(
                    send: reader.read(.healthCheckSend, AnnotationValue.nonEmpty).map { Array($0.utf8) } ?? send,
                    expect: reader.read(.healthCheckExpect, AnnotationValue.nonEmpty).map { Array($0.utf8) } ?? expect))
        case .udp(.dns(let name)):
            return .udp(.dns(name: reader.read(.healthCheckQuery, dnsName) ?? name))
        case .tcp, .exec:
            return probe
        }
    }

    static func httpPath(_ text: String) -> Result<String, InvalidAnnotation> {
        guard text.hasPrefix("/"), !text.contains(where: { $0.isWhitespace || $0.asciiValue.map { $0 < 0x20 || $0 == 0x7f } ?? false })
        else {
            return .failure(
                InvalidAnnotation(reason: "expected a path starting with / without spaces or control characters; the default stays"))
        }
        return .success(text)
    }

    /// `200-399` or `204`, within 100...599.
    static func statusRange(_ text: String) -> Result<ClosedRange<Int>, InvalidAnnotation> {
        let bounds = text.split(separator: "-", omittingEmptySubsequences: false).map { Int($0) }
        let invalid = InvalidAnnotation(reason: "expected a status (204) or a range (200-399) within 100...599; the default stays")
        guard (1...2).contains(bounds.count), let low = bounds.first ?? nil, let high = bounds.last ?? nil,
            100 <= low, low <= high, high <= 599
        else { return .failure(invalid) }
        return .success(low...high)
    }

    /// Labels of letters, digits, `-` and `_`, 1 to 63 characters each, 253 in all; a final
    /// dot is allowed.
    static func dnsName(_ text: String) -> Result<String, InvalidAnnotation> {
        let name = text.hasSuffix(".") ? String(text.dropLast()) : text
        let labels = name.split(separator: ".", omittingEmptySubsequences: false)
        let valid =
            !name.isEmpty && name.count <= 253
            && labels.allSatisfy { label in
                (1...63).contains(label.count) && label.allSatisfy { $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "-" || $0 == "_") }
            }
        return valid ? .success(text) : .failure(InvalidAnnotation(reason: "expected a DNS name; the default stays"))
    }
}
