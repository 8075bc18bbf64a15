#if canImport(Glibc)
    import Glibc
#elseif canImport(Musl)
    import Musl
#elseif canImport(Darwin)
    import Darwin
#endif

/// The config's `serviceFiles`: shell patterns (`glob(3)`) naming the files that hold more
/// services, written relative to the config file's directory.
///
/// Expanded again at every load and by the agent's watcher, so that a file added to or removed
/// from a directory counts as an edit. A pattern with a wildcard may match nothing (an empty
/// `services.d`); a plain path must name a file, which reading it then reports when it does not.
public struct ServiceFilePatterns: Sendable, Equatable {
    /// Resolved against the config file's directory, in the order written.
    public let patterns: [String]

    /// - Parameters:
    ///   - written: the patterns as the config writes them.
    ///   - configFile: the config file's path, whose directory relative patterns start from.
    public init(_ written: [String], relativeTo configFile: String) {
        let slash = configFile.lastIndex(of: "/")
        let directory = slash.map { String(configFile[...$0]) } ?? ""
        patterns = written.map { $0.hasPrefix("/") ? $0 : directory + $0 }
    }

    /// Why a pattern could not be expanded.
    public struct ExpansionError: Error, Sendable, Equatable {
        public var pattern: String
        public var reason: String
    }

    /// A file the patterns name, with its stamp (nil when it cannot be examined; reading it then
    /// says why).
    public struct File: Sendable, Hashable {
        public var path: String
        public var stamp: FileStamp?
    }

    /// The files the patterns matched at one moment, each stamped: what a load reads, what the
    /// agent's watcher compares from poll to poll, and what the reload it starts takes as the
    /// files on disk instead of listing and stamping them all again (at 10,000 services in
    /// files of 100, a hundred `stat` calls and a directory listing of each edit's latency).
    public struct Listing: Sendable {
        public var patterns: ServiceFilePatterns
        /// Each pattern's matches in sorted order, patterns in the order written, a file named
        /// twice kept at its first place; directories left out.
        public var files: [File]
        /// `CLOCK_REALTIME` just before the first stamp, in nanoseconds: a file's text read
        /// after it is taken as of this time, never later.
        public var takenAt: Int64
    }

    /// The files the patterns name now, each stamped. One `stat` per match: the stamp that
    /// tells a directory also tells a reload whether the file changed.
    public func listing() throws(ExpansionError) -> Listing {
        let takenAt = ServiceFileVersion.now()
        var files: [File] = []
        var seen = Set<String>()
        for pattern in patterns {
            for path in try Self.expand(pattern) where seen.insert(path).inserted {
                let stamp = FileStamp(path: path)
                if stamp?.isDirectory != true { files.append(File(path: path, stamp: stamp)) }
            }
        }
        return Listing(patterns: self, files: files, takenAt: takenAt)
    }

    private static func expand(_ pattern: String) throws(ExpansionError) -> [String] {
        var matches = glob_t()
        defer { globfree(&matches) }
        // Without GLOB_MARK, which would stat every match a second time.
        let status = glob(pattern, GLOB_BRACE, nil, &matches)
        switch status {
        case 0:
            break
        case GLOB_NOMATCH:
            return hasWildcard(pattern) ? [] : [pattern]
        case GLOB_ABORTED:
            throw ExpansionError(pattern: pattern, reason: "a directory on its way cannot be read")
        default:
            throw ExpansionError(pattern: pattern, reason: "it cannot be expanded (glob error \(status))")
        }
        return (0..<Int(matches.gl_pathc)).compactMap { index in
            matches.gl_pathv[index].map { String(cString: $0) }
        }
    }

    private static func hasWildcard(_ pattern: String) -> Bool {
        pattern.contains { "*?[{".contains($0) }
    }
}
