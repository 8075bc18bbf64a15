/// Why an annotation's value cannot be used.
struct InvalidAnnotation: Error {
    var reason: String
}

/// Reads one Service's annotations of ours, keeping a problem for each value that cannot be
/// used.
struct AnnotationReader {
    let service: String
    /// Ours only, by annotation.
    private(set) var values: [ServiceAnnotation: String] = [:]
    private(set) var problems: [AnnotationProblem] = []

    init(service: String, annotations: [String: String]) {
        self.service = service
        for (key, value) in annotations where key.hasPrefix(ServiceAnnotation.prefix) {
            guard let annotation = ServiceAnnotation(rawValue: String(key.dropFirst(ServiceAnnotation.prefix.count))) else {
                let known = ServiceAnnotation.allCases.map(\.rawValue).joined(separator: ", ")
                problems.append(
                    AnnotationProblem(
                        service: service, annotation: key, value: value,
                        reason: "unknown annotation; known after \(ServiceAnnotation.prefix): \(known)"))
                continue
            }
            values[annotation] = value
        }
    }

    /// The annotation's value parsed; nil when absent or unusable (then reported).
    mutating func read<Value>(_ annotation: ServiceAnnotation, _ parse: (String) -> Result<Value, InvalidAnnotation>) -> Value? {
        guard let text = values[annotation] else { return nil }
        switch parse(text.trimmingWhitespace) {
        case .success(let value): return value
        case .failure(let invalid):
            report(annotation, invalid.reason)
            return nil
        }
    }

    mutating func report(_ annotation: ServiceAnnotation, _ reason: String) {
        // An absent annotation is reported when the agent's default for it cannot serve.
        problems.append(
            AnnotationProblem(
                service: service, annotation: annotation.key,
                value: values[annotation] ?? "(absent: the agent's default)", reason: reason))
    }

    func has(_ annotation: ServiceAnnotation) -> Bool { values[annotation] != nil }
}

/// Parsers of annotation values: each says what it expected.
enum AnnotationValue {
    static func integer(in range: ClosedRange<Int>) -> (String) -> Result<Int, InvalidAnnotation> {
        { text in
            guard let value = Int(text), range.contains(value) else {
                return .failure(
                    InvalidAnnotation(reason: "expected an integer in \(range.lowerBound)...\(range.upperBound); the default stays"))
            }
            return .success(value)
        }
    }

    static func number(in range: ClosedRange<Double>) -> (String) -> Result<Double, InvalidAnnotation> {
        { text in
            guard let value = Double(text), value.isFinite, range.contains(value) else {
                return .failure(
                    InvalidAnnotation(reason: "expected a number in \(range.lowerBound)...\(range.upperBound); the default stays"))
            }
            return .success(value)
        }
    }

    /// Seconds kept to the millisecond, as the config file keeps them.
    static func seconds(in range: ClosedRange<Double>) -> (String) -> Result<Duration, InvalidAnnotation> {
        { text in number(in: range)(text).map { .milliseconds(Int64(($0 * 1000).rounded())) } }
    }

    static func choice<Value>(_ words: [(word: String, value: Value)]) -> (String) -> Result<Value, InvalidAnnotation> {
        { text in
            guard let match = words.first(where: { $0.word == text }) else {
                return .failure(
                    InvalidAnnotation(reason: "expected one of \(words.map(\.word).joined(separator: ", ")); the default stays"))
            }
            return .success(match.value)
        }
    }

    static func nonEmpty(_ text: String) -> Result<String, InvalidAnnotation> {
        text.isEmpty ? .failure(InvalidAnnotation(reason: "expected a value")) : .success(text)
    }
}

extension String {
    var trimmingWhitespace: String {
        String(drop(while: \.isWhitespace).reversed().drop(while: \.isWhitespace).reversed())
    }
}
