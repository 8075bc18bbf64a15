import ArgumentParser
import IPVSCore
import IPVSNetlink

struct ListCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "list",
        abstract: "Prints the kernel's IPVS table, like `ipvsadm -Ln`.",
        discussion: "Exit status: 0 printed, 1 error (no IPVS in the kernel, no permission)."
    )

    enum OutputFormat: String, ExpressibleByArgument, CaseIterable {
        case text, json
    }

    @OptionGroup var kernel: KernelOptions

    @Option(help: "text or json.")
    var output: OutputFormat = .text

    @Flag(help: "Show traffic counters instead of connection counts.")
    var stats = false

    func run() throws {
        let client: IPVSClient
        let table: [ObservedTableEntry]
        let info: IPVSInfo
        do {
            client = try IPVSClient(configuration: kernel.clientConfiguration)
            info = try client.info()
            table = try client.table()
        } catch {
            throw CLIError("\(error)")
        }
        switch output {
        case .text:
            var out = TextOutput(descriptor: 1)
            do {
                try TableText.write(table, info: info, statistics: stats, to: &out)
                try out.flush()
            } catch {
                throw CLIError("\(error)")
            }
        case .json:
            print(try TableJSON.render(table, info: info))
        }
    }
}

/// An error already worded for the operator: printed as is, exit status 1.
struct CLIError: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}
