import IPVSCore

extension ServiceFileReader {
    /// The service files of `files` as they are now: each version confirmed (a stamp unchanged
    /// and settled, or a text that hashes the same), and the one file whose text changed, read;
    /// nil when the files that the patterns match are not the same, a file cannot be read, or
    /// more than one changed: a whole load then reads them all (and reports what is wrong).
    static func changes(since files: ConfigLoader.ServiceFileSet) -> (ConfigLoader.ServiceFileSet, Read?)? {
        guard let paths = try? files.patterns.files(), paths == files.files.map(\.path) else { return nil }
        var current = files
        var changed: Read?
        for (index, version) in files.files.enumerated() {
            guard !version.isSurelyUnchanged(now: FileStamp(path: version.path)) else { continue }
            guard var read = try? read(version.path) else { return nil }
            read.version.serviceCount = version.serviceCount
            if read.version.text == version.text {
                current.files[index] = read.version
                continue
            }
            guard changed == nil else { return nil }
            changed = read
        }
        return (current, changed)
    }
}

extension ConfigSession {
    /// Loads the service file `file` read again, in place of its services, when they pass every
    /// rule; nil otherwise (the whole config is then loaded).
    mutating func loadServiceFile(_ file: ServiceFileReader.Read) -> Change? {
        guard var partial = partial.take() else { return nil }
        let path = file.version.path
        guard let files = partial.serviceFiles, let index = files.files.firstIndex(where: { $0.path == path }),
            let tree = try? ServiceFileReader.compose(file)
        else {
            self.partial = partial
            return nil
        }
        let log = ProblemLog(file: path)
        let root = ConfigNode(root: tree, log: log)
        let items = ServiceFileReader.serviceItems(root) ?? []
        let services = items.compactMap(ServiceDecoder.decode)
        guard log.problems.isEmpty, services.count == items.count, !services.contains(where: { Self.namesFiles($0.spec) }) else {
            self.partial = partial
            return nil
        }
        let start = partial.text.serviceCount + files.files[..<index].reduce(0) { $0 + $1.serviceCount }
        let range = start..<(start + files.files[index].serviceCount)
        let oldSpecs = Array(state.services[range])
        // From here on the claims change: a refused file leaves them unusable, and the next load
        // reads the whole config (as this one then does).
        DocumentRules.checkReplacement(oldSpecs, with: services, in: path, claims: &partial.claims, context: partial.context)
        guard log.problems.isEmpty else { return nil }
        var version = file.version
        version.serviceCount = services.count
        partial.serviceFiles?.files[index] = version
        self.partial = partial
        return replace(range, holding: oldSpecs, with: services.map(\.spec))
    }
}
