import IPVSCore
import KubernetesAPI

/// The keys (`namespace/name`) of the objects added, modified or deleted since the mapping
/// last saw the snapshot.
public struct ChangedObjects: Sendable, Equatable {
    public var services: Set<String>
    public var slices: Set<String>

    public init(services: Set<String> = [], slices: Set<String> = []) {
        self.services = services
        self.slices = slices
    }
}

/// ``KubernetesMapping/map(_:nodeName:base:)`` kept up object by object, so that one
/// EndpointSlice edit costs one Service's mapping, not the cluster's: a Service is read again
/// only when it, or a slice that joins it, changed; every Service when the defaults did.
///
/// The result always equals mapping the same snapshot afresh (the tests check it over random
/// edits): the caller must name, in `changed`, every object that differs from the snapshot
/// it passed last.
public struct IncrementalMapping: Sendable {
    /// What is kept of a slice: the Service it joins (nil when it was left out whole) and what
    /// was left out of it. Not its endpoints: a Service mapped again reads its few slices again
    /// from the snapshot, which holds them anyway.
    private struct MappedSlice: Sendable {
        var serviceKey: String?
        var skipped: [SkippedObject]
    }

    /// A Service mapped with its slices; `spec` nil when it is not proxied.
    private struct MappedService: Sendable {
        var spec: ServiceSpec?
        var skipped: [SkippedObject]
        var problems: [AnnotationProblem]
    }

    let nodeName: String
    /// The defaults every mapped Service was made with; nil before the first mapping.
    private var defaults: ServiceDefaults?
    private var slices: [String: MappedSlice] = [:]
    /// The slices that join each Service, by key, sorted: the order the full mapping joins them in.
    private var slicesOfService: [String: [String]] = [:]
    private var services: [String: MappedService] = [:]
    /// Every Service's key, sorted: the order of the state's services.
    private var order: [String] = []
    /// The objects with something left out or an annotation problem: the report is made from
    /// these, not from every object.
    private var slicesWithSkips: Set<String> = []
    private var servicesWithReports: Set<String> = []
    /// The mapped specs in `order`, and where each Service's is: kept, so that an edit replaces
    /// a few in place instead of the whole list being gathered again.
    private var specs: [ServiceSpec] = []
    private var specPositions: [String: Int] = [:]
    /// One node-and-zone box for all the endpoints on a node, kept across events.
    private var placements = EndpointPlacements()

    /// What the last ``map(_:changed:base:)`` changed in the state's services: the names of
    /// those whose spec differs from the mapping before. Nil when it added or removed a
    /// service, or mapped everything afresh: then only a full comparison tells.
    public private(set) var lastEdited: Set<String>?

    /// - Parameter nodeName: this node's name: its endpoints are the local ones; its addresses
    ///   and zone come from the snapshot's node.
    public init(nodeName: String) {
        self.nodeName = nodeName
    }

    /// The mapping of `snapshot` over `base`, reading again only what `changed` names (and
    /// everything the first time, or when `base.defaults` changed).
    public mutating func map(_ snapshot: ClusterSnapshot, changed: ChangedObjects, base: DesiredState) -> MappingResult {
        var dirty: Set<String>
        lastEdited = []
        // The slices read by this call, so that the Services mapped next need not read them again.
        var fresh: [String: ReadSlice] = [:]
        if defaults != base.defaults {
            self = IncrementalMapping(nodeName: nodeName)
            defaults = base.defaults
            for key in snapshot.slices.keys { readSlice(key, from: snapshot, into: &fresh) }
            for key in slicesOfService.keys { slicesOfService[key]?.sort() }
            order = snapshot.services.keys.sorted()
            dirty = Set(order)
            lastEdited = nil
        } else {
            dirty = []
            for key in changed.slices { dirty.formUnion(readSlice(key, from: snapshot, into: &fresh, sorted: true)) }
            for key in changed.services {
                dirty.insert(key)
                Self.place(key, in: &order, present: snapshot.services[key] != nil)
            }
        }
        for key in dirty { mapService(key, from: snapshot, fresh: fresh, defaults: base.defaults) }
        updateSpecs(dirty)
        return result(snapshot, base: base)
    }

    /// Puts the specs of the Services mapped again into `specs`: in place when the mapping only
    /// edited services (the same ones have a spec, in the same order), else gathered afresh.
    private mutating func updateSpecs(_ mapped: Set<String>) {
        guard lastEdited != nil else {
            specs = []
            specPositions = [:]
            for key in order {
                guard let spec = services[key]?.spec else { continue }
                specPositions[key] = specs.count
                specs.append(spec)
            }
            return
        }
        for key in mapped {
            if let position = specPositions[key], let spec = services[key]?.spec { specs[position] = spec }
        }
    }

    /// Reads one slice again (or forgets it, when it is gone) and files it under its Service.
    /// Returns the Services it joined before and joins now.
    @discardableResult
    private mutating func readSlice(
        _ key: String, from snapshot: ClusterSnapshot, into fresh: inout [String: ReadSlice], sorted: Bool = false
    ) -> [String] {
        var touched: [String] = []
        if let old = slices.removeValue(forKey: key)?.serviceKey {
            slicesOfService[old]?.removeAll { $0 == key }
            if slicesOfService[old]?.isEmpty == true { slicesOfService[old] = nil }
            touched.append(old)
        }
        slicesWithSkips.remove(key)
        guard let object = snapshot.slices[key] else { return touched }
        var log = SkipLog()
        let slice = ReadSlice(object, placements: &placements, log: &log)
        fresh[key] = slice
        slices[key] = MappedSlice(serviceKey: slice?.serviceKey, skipped: log.skipped)
        if !log.skipped.isEmpty { slicesWithSkips.insert(key) }
        if let service = slice?.serviceKey {
            if sorted {
                Self.place(key, in: &slicesOfService[service, default: []], present: true)
            } else {
                slicesOfService[service, default: []].append(key)
            }
            touched.append(service)
        }
        return touched
    }

    /// Maps one Service again with its slices, or forgets it when it is gone.
    private mutating func mapService(
        _ key: String, from snapshot: ClusterSnapshot, fresh: [String: ReadSlice], defaults: ServiceDefaults
    ) {
        servicesWithReports.remove(key)
        let before = services[key]?.spec
        guard let object = snapshot.services[key] else {
            services[key] = nil
            if before != nil { lastEdited = nil }
            return
        }
        var log = SkipLog()
        guard let read = ReadService(object, log: &log) else {
            services[key] = MappedService(spec: nil, skipped: log.skipped, problems: [])
            if !log.skipped.isEmpty { servicesWithReports.insert(key) }
            if before != nil { lastEdited = nil }
            return
        }
        var reader = AnnotationReader(service: read.spec.name, annotations: object.metadata.annotations ?? [:])
        let joined = (slicesOfService[key] ?? []).compactMap { sliceKey -> ReadSlice? in
            if let slice = fresh[sliceKey] { return slice }
            // Read before, and reported then: what it leaves out is not logged twice.
            var ignored = SkipLog()
            return snapshot.slices[sliceKey].flatMap { ReadSlice($0, placements: &placements, log: &ignored) }
        }
        let spec = KubernetesMapping.serviceSpec(read, slices: joined, reader: &reader, defaults: defaults)
        services[key] = MappedService(spec: spec, skipped: log.skipped, problems: reader.problems)
        if !log.skipped.isEmpty || !reader.problems.isEmpty { servicesWithReports.insert(key) }
        if before == nil {
            lastEdited = nil
        } else if before != spec {
            lastEdited?.insert(spec.name)
        }
    }

    /// The state and the report, assembled in the full mapping's order: node, slices by key,
    /// Services by key (then sorted, as it sorts them).
    private func result(_ snapshot: ClusterSnapshot, base: DesiredState) -> MappingResult {
        var state = base
        var log = SkipLog()
        if let node = snapshot.node {
            let read = ReadNode(node, log: &log)
            state.nodeAddresses[nodeName] = read.addresses
            if let zone = read.zone { state.nodeZones[nodeName] = zone }
            // The Node's own ranges win over the config file's; without any, the file's stay.
            if !read.podCIDRs.isEmpty { state.nodePodCIDRs[nodeName] = read.podCIDRs }
        }
        var skipped = log.skipped
        for key in slicesWithSkips.sorted() { skipped += slices[key]?.skipped ?? [] }
        var problems: [AnnotationProblem] = []
        for key in servicesWithReports.sorted() {
            skipped += services[key]?.skipped ?? []
            problems += services[key]?.problems ?? []
        }
        if state.services.isEmpty { state.services = specs } else { state.services += specs }
        return MappingResult(state: state, skipped: skipped.sorted(), annotationProblems: problems.sorted())
    }

    /// Inserts `key` into, or removes it from, a sorted array of keys.
    private static func place(_ key: String, in keys: inout [String], present: Bool) {
        var low = 0
        var high = keys.count
        while low < high {
            let middle = (low + high) / 2
            if keys[middle] < key { low = middle + 1 } else { high = middle }
        }
        let found = low < keys.count && keys[low] == key
        if present, !found { keys.insert(key, at: low) }
        if !present, found { keys.remove(at: low) }
    }
}
