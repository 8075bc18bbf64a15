import IPVSCore

/// A check's `type` as the file names it. The model has fewer cases (`https` is a secure HTTP
/// probe, `dns` a UDP one), but to an operator each is a kind of its own, with its own keys.
enum ProbeKind: String, CaseIterable {
    case tcp, http, https, udp, dns, exec

    static let words = allCases.map { (word: $0.rawValue, value: $0) }
}

/// The keys of one `healthCheck` mapping as written, before defaults: a service's check, an
/// endpoint's override, or the two merged.
struct HealthCheckDeclaration {
    /// The mapping the keys are written in, for problems about them; nil when the check is not
    /// a mapping at all (that problem is reported).
    var fields: ConfigMapping<HealthCheckDecoder.Key>?
    var kind: Written<ProbeKind> = .absent
    var port: Written<UInt16> = .absent
    var interval: Written<Duration> = .absent
    var timeout: Written<Duration> = .absent
    var jitter: Written<Double> = .absent
    var rise: Written<Int> = .absent
    var fall: Written<Int> = .absent
    var initiallyHealthy: Written<Bool> = .absent
    /// The keys only some kinds read.
    var specific = ProbeSettings()

    /// The keys of one probe kind or another. Kept together because switching the type drops
    /// them all: an endpoint that turns a service's HTTP check into a TCP one must not carry
    /// the service's path along.
    struct ProbeSettings {
        var path: Written<String> = .absent
        var host: Written<String> = .absent
        var expectedStatus: Written<ClosedRange<Int>> = .absent
        var bodyContains: Written<String> = .absent
        /// `send` or `sendHex`.
        var send: Written<[UInt8]> = .absent
        /// `expect` or `expectHex`.
        var expect: Written<[UInt8]> = .absent
        var query: Written<String> = .absent
        var command: Written<[String]> = .absent
        /// `tls` of an https check, taken as a whole: an override's `tls` replaces the service's.
        var tls: Written<TLSSettings> = .absent

        func overridden(by own: ProbeSettings) -> ProbeSettings {
            ProbeSettings(
                path: own.path.or(path), host: own.host.or(host), expectedStatus: own.expectedStatus.or(expectedStatus),
                bodyContains: own.bodyContains.or(bodyContains), send: own.send.or(send), expect: own.expect.or(expect),
                query: own.query.or(query), command: own.command.or(command), tls: own.tls.or(tls))
        }
    }

    /// The `tls` mapping of an https check.
    struct TLSSettings {
        var verify = false
        var trustRoots = HealthCheck.TLSVerification.TrustRoots.system
        /// As written; nil takes the `host` key's name, if any.
        var serverName: String?
    }

    /// A service's check that is not a mapping: its endpoints inherit a check of unknown kind,
    /// so that no rule guesses what the service meant.
    static var unreadable: HealthCheckDeclaration { HealthCheckDeclaration(kind: .refused) }

    /// Each key of `own` where written, else this one's; the kind-specific keys only when `own`
    /// keeps the kind (a new `type` starts them afresh). The mapping is `own`'s: problems about
    /// the merge are reported where the override is written.
    func overridden(by own: HealthCheckDeclaration) -> HealthCheckDeclaration {
        HealthCheckDeclaration(
            fields: own.fields, kind: own.kind.or(kind), port: own.port.or(port), interval: own.interval.or(interval),
            timeout: own.timeout.or(timeout), jitter: own.jitter.or(jitter), rise: own.rise.or(rise), fall: own.fall.or(fall),
            initiallyHealthy: own.initiallyHealthy.or(initiallyHealthy),
            specific: own.kind.isAbsent ? specific.overridden(by: own.specific) : own.specific)
    }

    /// The interval probes run at: as written, else the default; nil when refused.
    var effectiveInterval: Duration? {
        interval.isAbsent ? Self.defaults.interval : interval.value
    }

    /// The model value with every default filled in; nil when the kind or a key it requires
    /// is missing or refused (reported, so the file is refused anyway).
    var check: HealthCheck? {
        guard let kind = kind.value, let probe = probe(kind), let interval = effectiveInterval else { return nil }
        let defaults = Self.defaults
        return HealthCheck(
            probe: probe, port: port.value, interval: interval, jitter: jitter.value ?? defaults.jitter,
            // A short interval shortens the default timeout with it: a probe ends before the next.
            timeout: timeout.value ?? min(defaults.timeout, interval),
            rise: rise.value ?? defaults.rise, fall: fall.value ?? defaults.fall,
            initiallyHealthy: initiallyHealthy.value ?? defaults.initiallyHealthy)
    }

    /// The model's defaults are the format's.
    private static let defaults = HealthCheck()
    private static let httpDefaults = HealthCheck.HTTPProbe()

    private func probe(_ kind: ProbeKind) -> HealthCheck.Probe? {
        switch kind {
        case .tcp:
            return .tcp
        case .http, .https:
            let host = specific.host.value
            let verification = specific.tls.value.flatMap { tls in
                // The name defaults to the Host header's: the name the operator already gave the server.
                tls.verify
                    ? HealthCheck.TLSVerification(
                        trustRoots: tls.trustRoots,
                        serverName: tls.serverName ?? HealthCheck.HTTPProbe(host: host).hostName) : nil
            }
            return .http(
                HealthCheck.HTTPProbe(
                    secure: kind == .https, verification: verification, path: specific.path.value ?? Self.httpDefaults.path, host: host,
                    expectedStatus: specific.expectedStatus.value ?? Self.httpDefaults.expectedStatus,
                    bodyContains: specific.bodyContains.value))
        case .udp:
            return specific.send.value.map { .udp(.payload(send: $0, expect: specific.expect.value)) }
        case .dns:
            return specific.query.value.map { .udp(.dns(name: $0)) }
        case .exec:
            return specific.command.value.map { .exec(HealthCheck.ExecProbe(command: $0)) }
        }
    }
}
