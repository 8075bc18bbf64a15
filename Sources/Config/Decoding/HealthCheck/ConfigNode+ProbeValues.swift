import IPVSCore

/// The typed reads of a check's probe-specific values. Each reports what is wrong at this node
/// and returns nil, as the reads in ConfigNode+Scalars do.
extension ConfigNode {
    /// An HTTP request path: starts with `/` and holds nothing that would break the request
    /// line (spaces, control characters).
    func httpPath() -> String? {
        guard let path = string() else { return nil }
        guard path.hasPrefix("/") else {
            report(.invalidValue, "path '\(path)' must start with '/'")
            return nil
        }
        return withoutSpaces(path, hint: " (percent-encode them: %20)")
    }

    /// A `Host` header value: not empty, no spaces or control characters.
    func httpHost() -> String? {
        name().flatMap { withoutSpaces($0) }
    }

    /// `200`, or a range of codes `200-399`, within the status codes HTTP defines.
    func statusRange() -> ClosedRange<Int>? {
        guard let text = string() else { return nil }
        let bounds = text.split(separator: "-", omittingEmptySubsequences: false)
        let codes = bounds.compactMap { $0.allSatisfy({ ("0"..."9").contains($0) }) ? Int($0) : nil }
        guard (1...2).contains(bounds.count), codes.count == bounds.count else {
            report(.invalidValue, "expectedStatus '\(text)' is neither a status code nor a range of them like 200-399")
            return nil
        }
        guard codes.allSatisfy(Limits.httpStatus.contains) else {
            report(.outOfRange, "expectedStatus \(text) is out of range \(Limits.httpStatus.lowerBound)...\(Limits.httpStatus.upperBound)")
            return nil
        }
        guard codes[0] <= codes[codes.count - 1] else {
            report(.invalidValue, "expectedStatus \(text) is backwards: write the lower code first (\(codes[1])-\(codes[0]))")
            return nil
        }
        return codes[0]...codes[codes.count - 1]
    }

    /// Bytes written as hexadecimal digits, two per byte: `0a0b`.
    func hexBytes() -> [UInt8]? {
        guard let text = string() else { return nil }
        let digits = Array(text.utf8)
        let values = digits.compactMap(Self.hexValue)
        guard !digits.isEmpty, digits.count.isMultiple(of: 2), values.count == digits.count else {
            report(.invalidValue, "\(path.lastKey) must be bytes as pairs of hexadecimal digits, like 0a0b, not '\(text)'")
            return nil
        }
        return stride(from: 0, to: values.count, by: 2).map { values[$0] << 4 | values[$0 + 1] }
    }

    /// A name a DNS server can be asked about: dot-separated labels of letters, digits, `-`
    /// and `_` (as in service names), none empty or longer than 63, at most 253 in all. A final
    /// dot is allowed.
    func dnsName() -> String? {
        guard let name = name() else { return nil }
        let unrooted = name.hasSuffix(".") ? name.dropLast() : name[...]
        let labels = unrooted.split(separator: ".", omittingEmptySubsequences: false)
        var reason: String?
        if !Limits.dnsNameLength.contains(unrooted.utf8.count) {
            reason = "it must be 1 to 253 characters long"
        } else if let label = labels.first(where: { !Limits.dnsLabelLength.contains($0.utf8.count) }) {
            reason =
                label.isEmpty
                ? "it has an empty label (two dots in a row, or a leading dot)"
                : "label '\(label)' is longer than 63 characters"
        } else if let label = labels.first(where: { !$0.unicodeScalars.allSatisfy(Self.isDNSNameCharacter) }) {
            reason = "label '\(label)' may hold only letters, digits, '-' and '_'"
        } else if let label = labels.first(where: { $0.hasPrefix("-") || $0.hasSuffix("-") }) {
            reason = "label '\(label)' must not start or end with '-'"
        }
        if let reason {
            report(.invalidValue, "'\(name)' is not a DNS name: \(reason)")
            return nil
        }
        return name
    }

    /// A program and its arguments: a non-empty list of strings, the first not empty.
    func command() -> [String]? {
        guard let items = sequence() else { return nil }
        guard let program = items.first else {
            report(.invalidValue, "command must not be empty: give the program and its arguments, like [/usr/local/bin/check, --fast]")
            return nil
        }
        let words = items.compactMap { $0.string() }
        guard words.count == items.count else { return nil }
        guard !words[0].isEmpty else {
            program.report(.invalidValue, "the program to run must not be empty")
            return nil
        }
        return words
    }

    /// `tls: {verify, caFile, serverName}`. `caFile` and `serverName` say how to verify, so
    /// they are refused without `verify: true` rather than ignored: a CA that is written but
    /// not used would make an operator believe the servers are checked.
    func tlsSettings() -> HealthCheckDeclaration.TLSSettings? {
        guard let fields = mapping(TLSKey.self) else { return nil }
        let verify = Written(fields[.verify]) { $0.bool() }
        func ifVerifying<Value>(_ key: TLSKey, _ decode: (ConfigNode) -> Value?) -> Written<Value> {
            guard let node = fields[key] else { return .absent }
            guard verify.value == true else {
                // A refused verify is reported already; its companions are not read then.
                if !verify.isRefused {
                    node.report(.notApplicable, "\(key.rawValue) applies only with verify: true; without it no certificate is checked")
                }
                return .refused
            }
            return Written(node, decode)
        }
        let trustRoots = ifVerifying(.caFile) { $0.caFile() }
        let serverName = ifVerifying(.serverName) { $0.serverName() }
        guard !verify.isRefused, !trustRoots.isRefused, !serverName.isRefused else { return nil }
        return HealthCheckDeclaration.TLSSettings(
            verify: verify.value ?? false, trustRoots: trustRoots.value ?? .system,
            serverName: serverName.value)
    }

    /// An absolute path to a PEM bundle of CA certificates, read and checked now: a missing or
    /// wrong file is a problem of the config, found before anything is applied.
    func caFile() -> HealthCheck.TLSVerification.TrustRoots? {
        guard let path = name() else { return nil }
        // Relative to what? The agent's working directory is not the config's: say it in full.
        guard path.hasPrefix("/") else {
            report(.invalidValue, "caFile '\(path)' must be an absolute path")
            return nil
        }
        switch CertificateBundle.load(path) {
        case .success(let pem):
            return .bundle(file: path, pem: pem)
        case .failure(let refusal):
            report(refusal.code, "caFile '\(path)' \(refusal.reason)")
            return nil
        }
    }

    /// The name to verify: a DNS name, not an address (a certificate is checked against a name
    /// here, and SNI carries names only).
    func serverName() -> String? {
        guard let name = dnsName() else { return nil }
        guard IPAddress(name) == nil else {
            report(.invalidValue, "serverName '\(name)' is an address, not a name: leave serverName out to verify the chain only")
            return nil
        }
        return name
    }

    /// `text` if it has no whitespace or control character, which would end a header or the
    /// request line early.
    private func withoutSpaces(_ text: String, hint: String = "") -> String? {
        guard text.unicodeScalars.contains(where: { $0.properties.isWhitespace || $0.properties.generalCategory == .control }) else {
            return text
        }
        report(.invalidValue, "\(path.lastKey) must not contain spaces or control characters\(hint)")
        return nil
    }

    private static func hexValue(_ digit: UInt8) -> UInt8? {
        switch digit {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): digit - UInt8(ascii: "0")
        case UInt8(ascii: "a")...UInt8(ascii: "f"): digit - UInt8(ascii: "a") + 10
        case UInt8(ascii: "A")...UInt8(ascii: "F"): digit - UInt8(ascii: "A") + 10
        default: nil
        }
    }

    private static func isDNSNameCharacter(_ scalar: Unicode.Scalar) -> Bool {
        scalar.isASCII && (scalar.properties.isAlphabetic || ("0"..."9").contains(scalar) || scalar == "-" || scalar == "_")
    }
}

/// The keys of a check's `tls` mapping.
enum TLSKey: String, ConfigKey {
    case verify, caFile, serverName
}
