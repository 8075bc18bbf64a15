import ArgumentParser
import IPVSNetlink

struct VersionCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "version",
        abstract: "Prints this tool's version and, when IPVS is reachable, the kernel's."
    )

    @OptionGroup var kernel: KernelOptions

    func run() throws {
        print("ipvsctl-swift \(IPVSCtl.version)")
        do {
            let client = try IPVSClient(configuration: kernel.clientConfiguration)
            let info = try client.info()
            print("kernel IPVS \(info.versionString) (connection table size \(info.connectionTableSize))")
        } catch {
            print("kernel IPVS: \(error)")
        }
    }
}
