/// A scalar's tag, as far as the loader tells tags apart: the YAML 1.1 types it reads and the
/// merge key. Any other tag (`!`, `!local`, `!!binary`...) means text, as in Yams.
public enum ScalarTag: UInt8 {
    /// No tag: a plain scalar, resolved by its text.
    case implicit
    case str, null, bool, int, float, merge
    case other

    package init(_ tag: String) {
        switch tag {
        case "tag:yaml.org,2002:str": self = .str
        case "tag:yaml.org,2002:null": self = .null
        case "tag:yaml.org,2002:bool": self = .bool
        case "tag:yaml.org,2002:int": self = .int
        case "tag:yaml.org,2002:float": self = .float
        case "tag:yaml.org,2002:merge": self = .merge
        default: self = .other
        }
    }

    /// The tag two keys are compared by: an untagged key is a string, as in Yams' composer, so
    /// `name` and `"name"` are the same key.
    package var ofKey: ScalarTag { self == .implicit ? .str : self }
}
