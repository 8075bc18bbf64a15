import IPVSCore
import YAML

/// Reads a service file: a YAML mapping whose `services` lists services as the config file's
/// does (extension keys, `x-`, may hold anchors for them). Its services are checked with the
/// config file's (``DocumentRules``), and every problem is located in the service file.
enum ServiceFileReader {
    enum Key: String, ConfigKey {
        case services
    }

    /// A service file's text as read (without a byte-order mark), with what the file was on
    /// disk just before.
    struct Read {
        var path: String
        var text: [UInt8]
        var stamp: FileStamp?
        var readAt: Int64
    }

    /// Reads the file at `path`.
    static func read(_ path: String) throws(ConfigError) -> Read {
        let readAt = ServiceFileVersion.now()
        return try read(ServiceFilePatterns.File(path: path, stamp: FileStamp(path: path)), listedAt: readAt)
    }

    /// Reads `file`, stamped when the patterns were listed at `listedAt` (which spares a second
    /// `stat`). The stamp is taken before the read: a write after it gives a stamp the next load
    /// does not trust.
    static func read(_ file: ServiceFilePatterns.File, listedAt: Int64) throws(ConfigError) -> Read {
        let text = SourceFile.strippingByteOrderMark(try SourceFile.bytes(of: file.path))
        return Read(path: file.path, text: text, stamp: file.stamp, readAt: listedAt)
    }

    /// The tree of a file read.
    static func compose(_ read: Read) throws(ConfigError) -> YAMLTree {
        guard let tree = try YAMLDocument.compose(read.text, file: read.path) else {
            throw ConfigError(problems: [
                ConfigProblem(
                    file: read.path, line: 1, column: 1, path: "services", code: .missingKey,
                    message: "the service file holds no document; it needs 'services' (which may be empty: services: [])")
            ])
        }
        return tree
    }

    /// What a session remembers of the file `read`, composed as `tree`, with `serviceCount`
    /// services.
    static func version(of read: Read, tree: YAMLTree, serviceCount: Int) -> ServiceFileVersion {
        let text = RememberedText(read.text, tree: tree, list: tree.rootValue(of: "services"), serviceCount: serviceCount)
        return ServiceFileVersion(path: read.path, stamp: read.stamp, readAt: read.readAt, text: text)
    }

    /// The items of the file's `services`; nil when the file is not such a mapping (reported to
    /// `root`'s log).
    static func serviceItems(_ root: ConfigNode) -> [ConfigNode]? {
        guard let fields = root.mapping(Key.self, ignoredPrefix: DocumentDecoder.extensionPrefix) else { return nil }
        return fields.required(.services)?.sequence()
    }

    /// Reads `file` (listed at `listedAt`), decodes its services and checks them with `rules`
    /// (their claims against those of every service checked before), appending them to
    /// `services`. Returns its version (nil when it could not be read) and the log its problems
    /// go to, which the rules still checked once every file is read may add to.
    static func load(
        _ listed: ServiceFilePatterns.File, listedAt: Int64, rules: inout DocumentRules, into services: inout [ServiceSpec]
    ) -> (ServiceFileVersion?, ProblemLog) {
        let path = listed.path
        let log = ProblemLog(file: path)
        let file: Read
        let tree: YAMLTree
        do {
            file = try read(listed, listedAt: listedAt)
            tree = try compose(file)
        } catch {
            log.append(error.problems)
            return (nil, log)
        }
        rules.enterFile(path)
        let root = ConfigNode(root: tree, log: log)
        let items = serviceItems(root) ?? []
        ServiceListDecoder.decode(items, rules: &rules, into: &services)
        return (version(of: file, tree: tree, serviceCount: items.count), log)
    }
}
