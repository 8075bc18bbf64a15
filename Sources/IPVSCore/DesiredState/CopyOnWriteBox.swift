/// A value kept in one heap box that copies share, copied when written while shared: for the
/// desired state's large values (a service, a health check), so that copying one costs a
/// reference count, comparing two copies a pointer check, and an endpoint carrying its
/// service's health check no room of its own.
struct CopyOnWriteBox<Value: Hashable & Sendable>: Hashable, Sendable {
    /// Written only while uniquely referenced, hence sendable.
    private final class Storage: @unchecked Sendable {
        var value: Value

        init(_ value: Value) { self.value = value }
    }

    private var storage: Storage

    init(_ value: Value) {
        storage = Storage(value)
    }

    var value: Value {
        get { storage.value }
        _modify {
            if !isKnownUniquelyReferenced(&storage) { storage = Storage(storage.value) }
            yield &storage.value
        }
    }

    static func == (lhs: Self, rhs: Self) -> Bool {
        lhs.storage === rhs.storage || lhs.storage.value == rhs.storage.value
    }

    func hash(into hasher: inout Hasher) { storage.value.hash(into: &hasher) }
}
