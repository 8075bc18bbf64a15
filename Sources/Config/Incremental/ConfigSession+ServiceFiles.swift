import IPVSCore

/// A service file whose text changed since the last load: how, and what it is on disk now.
struct ChangedServiceFile {
    /// Its place in the load's service files.
    var index: Int
    var difference: RememberedText.Difference
    var stamp: FileStamp?
    var readAt: Int64

    /// The service files of `files` as they are now: each unchanged one confirmed (its stamp
    /// unchanged and settled, or its text compared the same, which renews its stamp), and the
    /// one file whose text changed; nil when the files the patterns match are not the same, a
    /// file cannot be read, or more than one changed: a whole load then reads them all (and
    /// reports what is wrong).
    ///
    /// - Parameter listing: the files as a watcher just listed them, when it listed them with
    ///   these patterns; otherwise they are listed now.
    static func find(
        since files: ConfigLoader.ServiceFileSet, listing: ServiceFilePatterns.Listing?
    ) -> (ConfigLoader.ServiceFileSet, ChangedServiceFile?)? {
        // Its time is taken before the stamps: a file written after them is not trusted as read.
        let given = listing.flatMap { $0.patterns == files.patterns ? $0 : nil }
        guard let listing = given ?? (try? files.patterns.listing()) else { return nil }
        let found = listing.files, readAt = listing.takenAt
        guard found.map(\.path) == files.files.map(\.path) else { return nil }
        var current = files
        var changed: ChangedServiceFile?
        for (index, version) in files.files.enumerated() {
            let stamp = found[index].stamp
            guard !version.isSurelyUnchanged(now: stamp) else { continue }
            guard let difference = try? version.text.difference(fromFile: version.path) else { return nil }
            guard difference.comparison != .same else {
                current.files[index].stamp = stamp
                current.files[index].readAt = readAt
                continue
            }
            guard changed == nil else { return nil }
            changed = ChangedServiceFile(index: index, difference: difference, stamp: stamp, readAt: readAt)
        }
        return (current, changed)
    }
}

extension ConfigSession {
    /// Takes in the one service file that changed: the items an edit touched when it lies
    /// within its `services` list, else the whole file; nil when that is refused or cannot be
    /// done (the whole config is then loaded).
    mutating func loadServiceFile(_ changed: ChangedServiceFile) -> Change? {
        guard let partial, let files = partial.serviceFiles else { return nil }
        let version = files.files[changed.index]
        let offset = partial.text.serviceCount + files.files[..<changed.index].reduce(0) { $0 + $1.serviceCount }
        if case .items(let items, let replacement) = changed.difference.comparison, case .list(let text) = version.text,
            let excerpt = changed.difference.excerpt
        {
            guard
                let (change, remembered) = loadItems(items, replacedBy: replacement, from: excerpt, of: text, in: version.path, at: offset)
            else { return nil }
            self.partial?.serviceFiles?.files[changed.index] = ServiceFileVersion(
                path: version.path, stamp: changed.stamp, readAt: changed.readAt, text: .list(remembered))
            return change
        }
        let read =
            changed.difference.text.map {
                ServiceFileReader.Read(path: version.path, text: $0, stamp: changed.stamp, readAt: changed.readAt)
            } ?? (try? ServiceFileReader.read(version.path))
        guard let read else { return nil }
        return loadWholeServiceFile(read, index: changed.index, at: offset)
    }

    /// Loads the service file `read` whole, in place of its services, which begin at `offset`
    /// in the state, when they pass every rule; nil otherwise (the whole config is then loaded).
    private mutating func loadWholeServiceFile(_ read: ServiceFileReader.Read, index: Int, at offset: Int) -> Change? {
        guard let files = partial?.serviceFiles, let tree = try? ServiceFileReader.compose(read) else { return nil }
        let log = ProblemLog(file: read.path)
        let items = ServiceFileReader.serviceItems(ConfigNode(root: tree, log: log)) ?? []
        let services = items.compactMap(ServiceDecoder.decode)
        guard services.count == items.count,
            let change = replace(offset..<(offset + files.files[index].serviceCount), with: services, in: read.path, log: log)
        else { return nil }
        partial?.serviceFiles?.files[index] = ServiceFileReader.version(of: read, tree: tree, serviceCount: services.count)
        return change
    }
}
