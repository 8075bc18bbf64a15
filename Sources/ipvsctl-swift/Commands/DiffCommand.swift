import ArgumentParser
import IPVSCore
import Reconciler

struct DiffCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "diff",
        abstract: "Shows exactly what `apply` would change, and changes nothing (ledger included).",
        discussion: "Exit status: 0 no changes, 2 changes, 1 error."
    )

    @OptionGroup var reconcile: ReconcileOptions
    @OptionGroup var kernel: KernelOptions
    @OptionGroup var guards: GuardOptions

    @Option(help: "text or json.")
    var output: ListCommand.OutputFormat = .text

    func run() async throws {
        let change = try await PlannedChange.make(reconcile: reconcile, kernel: kernel, guards: guards)
        let (planning, node) = (change.planning, change.node)
        switch output {
        case .text: print(PlanText.render(planning, node: node, interface: change.state.interface), terminator: "")
        case .json: print(try PlanJSON.render(planning, node: node))
        }
        if !planning.violations.isEmpty { throw ExitCode(1) }
        throw ExitCode(planning.plan.isEmpty ? 0 : 2)
    }
}
