/// What a scalar means: null, a boolean, a number or a string.
///
/// Decided here by hand rather than by Yams' default resolver, which runs up to seven
/// `NSRegularExpression`s per scalar and made a 10,000-service file take seconds to load. The
/// rules are YAML 1.1's, as in Yams' default resolver and in the YAML library Kubernetes uses,
/// so `yes` and `off` are booleans and `0x1F` is an integer.
public enum ScalarKind: Equatable {
    case null
    case boolean(Bool)
    case integer
    case float
    case string

    /// Decided once per scalar, as it is composed (``EventComposer``).
    package init(tag: ScalarTag, isPlain: Bool, text: UnsafeBufferPointer<UInt8>) {
        switch tag {
        case .implicit where isPlain:
            self = Self.resolvePlain(text)
        case .null:
            self = .null
        case .bool:
            self = Self.boolean(String(decoding: text, as: UTF8.self)).map { .boolean($0) } ?? .string
        case .int:
            self = .integer
        case .float:
            self = .float
        default:
            // Quoted scalars carry `!!str`; `!` and other tags mean text too.
            self = .string
        }
    }

    /// YAML 1.1's boolean words. A `switch`, not a dictionary: nearly every scalar of a config
    /// is looked up, and comparing a few short strings costs less than hashing one.
    package static func boolean(_ text: String) -> Bool? {
        switch text {
        case "yes", "Yes", "YES", "true", "True", "TRUE", "on", "On", "ON": true
        case "no", "No", "NO", "false", "False", "FALSE", "off", "Off", "OFF": false
        default: nil
        }
    }

    package static func isNullWord(_ text: String) -> Bool {
        switch text {
        case "", "~", "null", "Null", "NULL": true
        default: false
        }
    }

    private static func resolvePlain(_ text: UnsafeBufferPointer<UInt8>) -> ScalarKind {
        // Every null and boolean word is at most five bytes long and starts with one of a few
        // letters (a String that short is stored inline, without an allocation).
        if text.count <= 5, text.first.map(startsAWord) ?? true {
            let word = String(decoding: text, as: UTF8.self)
            if isNullWord(word) { return .null }
            if let value = boolean(word) { return .boolean(value) }
        }
        // Names and most strings cannot be numbers: decide without looking further.
        guard let first = text.first,
            first == UInt8(ascii: "+") || first == UInt8(ascii: "-")
                || first == UInt8(ascii: ".") || isDigit(first)
        else { return .string }
        // Ports and addresses, the numbers and digit-led strings of nearly every config, decided
        // in one pass: the grammar below splits its text into groups.
        var digits = 0
        var dots = 0
        for byte in text {
            if isDigit(byte) {
                digits += 1
            } else if byte == UInt8(ascii: ".") {
                dots += 1
            }
        }
        if digits == text.count, text.count == 1 || first != UInt8(ascii: "0") { return .integer }
        if dots > 1 { return .string }  // an integer has no dot, a float one at most
        if isInteger(text[...]) { return .integer }
        if isFloat(text[...]) { return .float }
        return .string
    }

    /// Whether a null or boolean word may start with `byte`.
    private static func startsAWord(_ byte: UInt8) -> Bool {
        switch byte | 0x20 {  // ASCII lower case
        case UInt8(ascii: "n"), UInt8(ascii: "y"), UInt8(ascii: "t"), UInt8(ascii: "o"), UInt8(ascii: "f"): true
        default: byte == UInt8(ascii: "~")
        }
    }

    /// `[-+]?` then `0b[01_]+`, `0x[0-9a-fA-F_]+`, `0o?[0-7_]+`, `0`, `[1-9][0-9_]*` or base 60
    /// (`[1-9][0-9_]*(:[0-5]?[0-9])+`).
    package static func isInteger<Bytes: RandomAccessCollection<UInt8>>(_ text: Bytes) -> Bool
    where Bytes.SubSequence == Bytes, Bytes.Index == Int {
        let unsigned = dropSign(text)
        guard let first = unsigned.first else { return false }
        if unsigned.elementsEqual("0".utf8) { return true }
        if first == UInt8(ascii: "0") {
            let second = unsigned.dropFirst().first
            switch second {
            case UInt8(ascii: "b"): return isRun(unsigned.dropFirst(2), of: isBinaryDigit)
            case UInt8(ascii: "x"): return isRun(unsigned.dropFirst(2), of: isHexDigit)
            case UInt8(ascii: "o"): return isRun(unsigned.dropFirst(2), of: isOctalDigit)
            default: return isRun(unsigned.dropFirst(), of: isOctalDigit)
            }
        }
        guard isDigit(first) else { return false }
        var groups = unsigned.split(separator: UInt8(ascii: ":"), omittingEmptySubsequences: false)[...]
        let leading = groups.removeFirst()
        return leading.allSatisfy { isDigit($0) || $0 == UInt8(ascii: "_") } && groups.allSatisfy { isBase60Digit($0) }
    }

    /// `[-+]?` then `.inf`, or digits (base 60 allowed) with an optional fraction and exponent,
    /// or `.nan`.
    package static func isFloat<Bytes: RandomAccessCollection<UInt8>>(_ text: Bytes) -> Bool
    where Bytes.SubSequence == Bytes, Bytes.Index == Int {
        if [".nan", ".NaN", ".NAN"].contains(where: { text.elementsEqual($0.utf8) }) { return true }
        let unsigned = dropSign(text)
        if [".inf", ".Inf", ".INF"].contains(where: { unsigned.elementsEqual($0.utf8) }) { return true }
        var mantissa = unsigned
        if let e = unsigned.firstIndex(where: { $0 == UInt8(ascii: "e") || $0 == UInt8(ascii: "E") }) {
            mantissa = unsigned[..<e]
            guard isRun(dropSign(unsigned[(e + 1)...]), of: isDigit) else { return false }
        }
        let dot = mantissa.firstIndex(of: UInt8(ascii: "."))
        let whole = mantissa[..<(dot ?? mantissa.endIndex)]
        let fraction = dot.map { mantissa[($0 + 1)...] }
        guard fraction?.allSatisfy({ isDigit($0) || $0 == UInt8(ascii: "_") }) ?? true else { return false }
        guard let first = whole.first else { return fraction.map { !$0.isEmpty } ?? false }
        var groups = whole.split(separator: UInt8(ascii: ":"), omittingEmptySubsequences: false)[...]
        let leading = groups.removeFirst()
        return isDigit(first) && leading.allSatisfy { isDigit($0) || $0 == UInt8(ascii: "_") }
            && groups.allSatisfy { isBase60Digit($0) }
    }

    private static func dropSign<Bytes: RandomAccessCollection<UInt8>>(_ text: Bytes) -> Bytes where Bytes.SubSequence == Bytes {
        text.first == UInt8(ascii: "+") || text.first == UInt8(ascii: "-") ? text.dropFirst() : text
    }

    /// Not empty, and every byte a digit of the kind or `_`.
    private static func isRun<Bytes: RandomAccessCollection<UInt8>>(_ text: Bytes, of isDigitOfKind: (UInt8) -> Bool) -> Bool {
        !text.isEmpty && text.allSatisfy { isDigitOfKind($0) || $0 == UInt8(ascii: "_") }
    }

    private static func isDigit(_ byte: UInt8) -> Bool { (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(byte) }
    private static func isBinaryDigit(_ byte: UInt8) -> Bool { byte == UInt8(ascii: "0") || byte == UInt8(ascii: "1") }
    private static func isOctalDigit(_ byte: UInt8) -> Bool { (UInt8(ascii: "0")...UInt8(ascii: "7")).contains(byte) }
    private static func isHexDigit(_ byte: UInt8) -> Bool {
        isDigit(byte) || (UInt8(ascii: "a")...UInt8(ascii: "f")).contains(byte | 0x20)
    }

    /// One group of a base-60 number: `[0-5]?[0-9]`.
    private static func isBase60Digit<Bytes: RandomAccessCollection<UInt8>>(_ group: Bytes) -> Bool {
        switch group.count {
        case 1: isDigit(group.first!)
        case 2: (UInt8(ascii: "0")...UInt8(ascii: "5")).contains(group.first!) && isDigit(group.last!)
        default: false
        }
    }
}
