import IPVSCore

/// The typed reads of scalars. Each reports what is wrong at this node and returns nil.
extension ConfigNode {
    /// Any scalar but a boolean or null, as written: `name: 1234` is the text "1234". A boolean
    /// is refused because YAML 1.1 reads `yes`, `no`, `on` and `off` as booleans, which would
    /// silently turn a zone or node called `no` into `false`.
    func string() -> String? {
        isText ? scalarText : nil
    }

    /// Whether ``string()`` reads this node; reported if not.
    private var isText: Bool {
        switch scalarKind {
        case nil, .null?:
            reportWrongType(expected: "a string")
            return false
        case .boolean?:
            reportWrongType(expected: "a string", hint: " (quote it if you mean the text)")
            return false
        case .integer?, .float?, .string?:
            return true
        }
    }

    /// A string that names something: not empty.
    func name() -> String? {
        guard let text = string() else { return nil }
        guard !text.isEmpty else {
            report(.invalidValue, "\(path.lastKey) must not be empty")
            return nil
        }
        return text
    }

    func bool() -> Bool? {
        guard case .boolean(let value)? = scalarKind else {
            reportWrongType(expected: "true or false")
            return nil
        }
        return value
    }

    /// A decimal integer within `range`. Quoted numbers are refused as in Kubernetes, and YAML
    /// 1.1's octal, hexadecimal and base-60 forms too, since `port: 0o17` or `1:30` is far more
    /// likely a typo than an intent.
    func integer<Value: FixedWidthInteger>(in range: ClosedRange<Value>, hint: String = "") -> Value? {
        guard scalarKind == .integer, let text = scalarText else {
            reportWrongType(expected: "an integer")
            return nil
        }
        let digits = text.first == "+" || text.first == "-" ? text.dropFirst() : text[...]
        guard !digits.isEmpty, digits.allSatisfy({ ("0"..."9").contains($0) }) else {
            report(.wrongType, "write \(text) as a decimal integer")
            return nil
        }
        guard let value = Int64(text), let exact = Value(exactly: value), range.contains(exact) else {
            report(.outOfRange, "\(path.lastKey) \(text) is out of range \(range.lowerBound)...\(range.upperBound)\(hint)")
            return nil
        }
        return exact
    }

    /// A number within `range` in plain decimal notation, with or without a fraction (`0.5`,
    /// `2`). As with ``integer(in:hint:)``, quoted numbers are refused, and so are YAML's
    /// hexadecimal, base-60, exponent and `.inf` forms.
    func decimal(in range: ClosedRange<Double>) -> Double? {
        guard scalarKind == .integer || scalarKind == .float, let text = scalarText else {
            reportWrongType(expected: "a number")
            return nil
        }
        let unsigned = text.first == "+" || text.first == "-" ? text.dropFirst() : text[...]
        let digits = unsigned.filter { $0 != "." }
        guard !digits.isEmpty, digits.allSatisfy({ ("0"..."9").contains($0) }), unsigned.count - digits.count <= 1 else {
            report(.wrongType, "write \(text) as a decimal number")
            return nil
        }
        guard let value = Double(text), range.contains(value) else {
            report(.outOfRange, "\(path.lastKey) \(text) is out of range \(Self.plain(range.lowerBound))...\(Self.plain(range.upperBound))")
            return nil
        }
        return value
    }

    /// A duration in seconds within `range`, decimals allowed, kept to the millisecond.
    func seconds(in range: ClosedRange<Double>) -> Duration? {
        decimal(in: range).map { .milliseconds(Int64(($0 * 1000).rounded())) }
    }

    /// A bound as an operator writes it: `1`, not `1.0`.
    private static func plain(_ value: Double) -> String {
        value == value.rounded() && abs(value) < 1e15 ? String(Int64(value)) : String(value)
    }

    /// An IPv4 or IPv6 address in its usual text form; a prefix or a zone index is refused.
    func address() -> IPAddress? {
        guard isAddressText(code: .invalidAddress) else { return nil }
        if let address = tree.withText(index, IPAddress.init(utf8:)) { return address }
        let text = tree.text(index)
        let hint = text.contains("/") ? " (give a single address, not a prefix)" : ""
        report(.invalidAddress, "'\(text)' is not an IPv4 or IPv6 address\(hint)")
        return nil
    }

    /// A CIDR range (`203.0.113.0/24`), or a single address as a range of one (`/32`, `/128`).
    /// Host bits below the prefix length are refused, naming the range probably meant:
    /// `203.0.113.7/24` is more likely a slip than a way to write `203.0.113.0/24`, and a
    /// firewall would otherwise open a range its author did not read.
    func prefix() -> IPPrefix? {
        guard isAddressText(code: .invalidCIDR), let text = scalarText else { return nil }
        guard let range = IPPrefix(text) else {
            report(.invalidCIDR, "'\(text)' is not a CIDR range\(Self.cidrHint(text))")
            return nil
        }
        if let slash = text.firstIndex(of: "/"), let address = IPAddress(text[..<slash]),
            IPPrefix.hasHostBits(address, length: range.length)
        {
            report(.invalidCIDR, "\(text) has host bits set; did you mean \(range)?")
            return nil
        }
        return range
    }

    /// What is wrong with text that is not a range, where it can be told.
    private static func cidrHint(_ text: String) -> String {
        guard let slash = text.firstIndex(of: "/") else {
            return " (ADDRESS/LENGTH, or a single address)"
        }
        guard let address = IPAddress(text[..<slash]) else {
            return ": '\(text[..<slash])' is not an IPv4 or IPv6 address"
        }
        return ": the prefix length of an \(address.family) range is 0 to \(address.family.bitCount)"
    }

    /// Whether this node is text an address or range may be read from; reported if not. YAML
    /// reads a plain `2001:db8::` followed by a line break as the key `2001:db8:`: that is
    /// explained rather than called a mapping.
    private func isAddressText(code: ConfigProblem.Code) -> Bool {
        if isMapping, let keyIndex = tree.items(of: index).first, tree.items(of: index).count == 2,
            case let key = tree.text(keyIndex), tree[keyIndex].shape == .scalar, key.hasSuffix(":")
        {
            report(code, "an IPv6 address ending in ':' must be quoted: \"\(key):\"")
            return false
        }
        return isText
    }

    /// One word of a fixed vocabulary. A word that differs only in case is named in the message,
    /// unless `ignoringCase`, where it is accepted.
    func choice<Value>(
        _ words: [(word: String, value: Value)], code: ConfigProblem.Code = .invalidValue,
        ignoringCase: Bool = false
    ) -> Value? {
        guard let text = string() else { return nil }
        if let exact = words.first(where: { $0.word == text }) { return exact.value }
        let sameLetters = words.first { $0.word.lowercased() == text.lowercased() }
        if ignoringCase, let sameLetters { return sameLetters.value }
        let suggestion = sameLetters.map { " (did you mean '\($0.word)'?)" } ?? ""
        let allowed = words.map(\.word).joined(separator: ", ")
        report(code, "'\(text)' is not one of: \(allowed)\(suggestion)")
        return nil
    }
}
