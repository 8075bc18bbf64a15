import IPVSCore
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
        async let kernelRead = Result { () throws -> (Reconciler, [ObservedTableEntry]) in
            let reconciler = try kernel.reconciler(stateDirectory: reconcile.stateDir)
            return (reconciler, try reconciler.readTable())
        }
        let state = try reconcile.loadConfig()
        let node = reconcile.nodeName(for: state)
        let (reconciler, table): (Reconciler, [ObservedTableEntry])
        do {
            (reconciler, table) = try await kernelRead.get()
        } catch let error as CLIError {
            throw error
        } catch {
            throw CLIError("\(error)")
        }
        do {
            let planning = try reconciler.plan(state, options: guards.options(node: node, interface: state.interface),
                                               observedTable: table)
            return PlannedChange(state: state, node: node, reconciler: reconciler, planning: planning)
        } catch {
            throw CLIError(error.description)
        }
    }
}
