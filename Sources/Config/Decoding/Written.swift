/// One key of a mapping: not written, written but refused (the problem is reported), or its
/// value. Refused is kept apart from absent so that a rule that depends on the key stays quiet,
/// and so that an endpoint's wrong value does not silently fall back to the service's.
enum Written<Value> {
    case absent
    case refused
    case value(Value)

    /// Decodes `node` when the key is written.
    init(_ node: ConfigNode?, _ decode: (ConfigNode) -> Value?) {
        guard let node else {
            self = .absent
            return
        }
        self = decode(node).map { .value($0) } ?? .refused
    }

    var value: Value? {
        if case .value(let value) = self { return value }
        return nil
    }

    var isAbsent: Bool {
        if case .absent = self { return true }
        return false
    }

    var isRefused: Bool {
        if case .refused = self { return true }
        return false
    }

    /// This key where written, else the one it inherits.
    func or(_ inherited: Written) -> Written {
        isAbsent ? inherited : self
    }
}
