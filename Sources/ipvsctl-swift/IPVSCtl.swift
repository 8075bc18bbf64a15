import ArgumentParser
import Logging

#if canImport(Glibc)
    import Glibc
#endif

@main
struct IPVSCtl: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "ipvsctl-swift",
        abstract: "Makes the kernel's IPVS table match a declared set of services.",
        discussion: """
            Exit status: 0 success, 1 an error (said on standard error), 64 a wrong command line. \
            Each command's own exit statuses are given with it.
            """,
        version: IPVSCtl.version,
        subcommands: [
            ValidateCommand.self, DiffCommand.self, ApplyCommand.self, ListCommand.self, RunCommand.self, SelftestCommand.self,
            VersionCommand.self,
        ]
    )

    static let version = "0.1.0"

    /// Logs go to standard error, warnings and worse, so that a command's output is only its
    /// answer; the agent (`run`), whose log is its journal, logs from `notice` up.
    /// `IPVSCTL_LOG_LEVEL=debug` shows every batch and dump.
    static func main() async {
        let isAgent = CommandLine.arguments.dropFirst().first == "run"
        if !isAgent { OneShotHeap.configure() }
        let level = Logger.Level(rawValue: getenv("IPVSCTL_LOG_LEVEL").map { String(cString: $0) } ?? "") ?? (isAgent ? .notice : .warning)
        LoggingSystem.bootstrap { label in
            var handler = StreamLogHandler.standardError(label: label)
            handler.logLevel = level
            return handler
        }
        await main(nil)
    }
}
