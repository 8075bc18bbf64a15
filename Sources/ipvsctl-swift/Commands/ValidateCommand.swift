import ArgumentParser
import Config

struct ValidateCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "validate",
        abstract: "Checks a config file; lists every problem with file:line:column. Touches nothing.",
        discussion: "Exit status: 0 valid, 1 invalid."
    )

    @Option(name: .shortAndLong, help: "The config file (YAML).")
    var config: String

    func run() throws {
        do {
            let state = try ConfigLoader.load(contentsOf: config)
            let ports = state.services.reduce(0) { $0 + $1.ports.count }
            print("\(config): valid (\(state.services.count) services, \(ports) ports)")
        } catch {
            FileHandleOutput.standardError(error.description)
            throw ExitCode(1)
        }
    }
}
