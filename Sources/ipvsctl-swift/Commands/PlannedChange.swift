import IPVSCore
import Logging
import Reconciler

/// What `diff` and `apply` share: the config, this node's name, and the plan against the kernel.
struct PlannedChange {
    var state: DesiredState
    var node: String
    var reconciler: Reconciler
    var planning: Reconciler.Planning

    /// Parses the config and reads the kernel's table at the same time: reading changes
    /// nothing, and at thousands of services each takes about as long as the other, on
    /// different cores. A config problem is reported before any kernel problem, as when the
    /// two ran one after the other.
    static func make(reconcile: ReconcileOptions, kernel: KernelOptions, guards: GuardOptions) async throws -> PlannedChange {
        async let kernelRead = readTable(kernel: kernel, stateDirectory: reconcile.stateDir)
        var state = try reconcile.loadConfig()  // throwing here drops the read, and its error
        let node = reconcile.nodeName(for: state)
        if reconcile.kubernetes.isEnabled {
            state = try await reconcile.kubernetes.listOnce(node: node, base: state, logger: Logger(label: "ipvsctl"))
        }
        let (reconciler, table) = try await kernelRead
        do {
            let planning = try reconciler.plan(
                state, options: guards.options(node: node, interface: state.interface),
                observedTable: table)
            return PlannedChange(state: state, node: node, reconciler: reconciler, planning: planning)
        } catch {
            throw CLIError(error.description)
        }
    }

    private static func readTable(kernel: KernelOptions, stateDirectory: String) throws -> (Reconciler, [ObservedTableEntry]) {
        let reconciler = try kernel.reconciler(stateDirectory: stateDirectory)
        do {
            return (reconciler, try reconciler.readTable())
        } catch {
            throw CLIError(error.description)
        }
    }
}
