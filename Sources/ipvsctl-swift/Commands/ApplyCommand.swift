import ArgumentParser
import IPVSCore
import Reconciler

struct ApplyCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "apply",
        abstract: "Makes the kernel match the config: the minimal change, in batches, owned objects only.",
        discussion: "Exit status: 0 done, 1 error or refused."
    )

    @OptionGroup var reconcile: ReconcileOptions
    @OptionGroup var kernel: KernelOptions
    @OptionGroup var guards: GuardOptions

    @Flag(help: "Also print the plan before applying it.")
    var verbose = false

    func run() async throws {
        let change = try await PlannedChange.make(reconcile: reconcile, kernel: kernel, guards: guards)
        let planning = change.planning
        if verbose { print(PlanText.render(planning, node: change.node, interface: change.state.interface), terminator: "") }
        let report: Reconciler.Report
        do {
            report = try change.reconciler.apply(planning, interface: change.state.interface)
        } catch {
            throw CLIError(error.description)
        }
        print(PlanText.summary(report, planning: planning))
        if !report.failures.isEmpty { throw ExitCode(1) }
    }
}

struct GuardOptions: ParsableArguments {
    @Option(help: "Refuse a plan that deletes more objects than this.")
    var maxDelete = PlanGuards.Limits.defaultMaximumDeletions

    @Flag(help: "Take over existing virtual services and addresses that the config declares.")
    var adopt = false

    @Flag(help: "Apply even when a guard refuses (too many deletions, an empty desired state).")
    var force = false

    func options(node: String, interface: String) -> Reconciler.Options {
        Reconciler.Options(
            node: node, interface: interface, adopt: adopt,
            limits: PlanGuards.Limits(maximumDeletions: maxDelete, force: force),
            now: Int64(Clock.secondsSinceEpoch))
    }
}
