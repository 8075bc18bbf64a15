import ArgumentParser
import IPVSNetlink

struct VersionCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "version",
        abstract: "Prints this tool's version and, when IPVS is reachable, the kernel's.",
        discussion: "Exit status: 0, also when IPVS is not reachable (it says why)."
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
