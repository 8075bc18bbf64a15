/// A field the API types as `IntOrString`, such as a Service port's `targetPort`: a number,
/// or the name of a port that each endpoint resolves for itself.
public enum IntOrString: Codable, Hashable, Sendable {
    case int(Int)
    case string(String)

    public init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        if let number = try? container.decode(Int.self) {
            self = .int(number)
        } else {
            self = .string(try container.decode(String.self))
        }
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        switch self {
        case .int(let number): try container.encode(number)
        case .string(let name): try container.encode(name)
        }
    }
}
