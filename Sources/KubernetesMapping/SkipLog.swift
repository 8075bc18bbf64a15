/// Collects what the mapping leaves out, object by object.
struct SkipLog {
    private(set) var skipped: [SkippedObject] = []

    mutating func skip(_ kind: SkippedObject.Kind, _ key: String, field: String? = nil, _ reason: SkipReason) {
        skipped.append(SkippedObject(kind: kind, key: key, field: field, reason: reason))
    }
}
