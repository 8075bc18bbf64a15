import IPVSCore
import Subprocess

/// Healthy when the command exits 0. It learns its target from `IPVSCTL_HEALTH_ADDRESS` and
/// `IPVSCTL_HEALTH_PORT`; its output is discarded.
///
/// The command runs in a session of its own, so that a timeout (which cancels this probe) kills
/// everything it started, not only the first process: a shell's children would otherwise
/// outlive it.
struct ExecProbe {
    var target: HealthTarget
    var command: [String]

    func run() async -> ProbeFailure? {
        guard let program = command.first, !program.isEmpty else {
            return ProbeFailure(.error, "the command is empty")
        }
        let executable: Executable = program.contains("/") ? .path(.init(program)) : .name(program)
        var options = PlatformOptions()
        options.createSession = true
        options.teardownSequence = [.send(signal: .kill, toProcessGroup: true, allowedDurationToNextStep: .milliseconds(100))]
        do {
            let result = try await Subprocess.run(
                executable,
                arguments: Arguments(Array(command.dropFirst())),
                environment: .inherit.updating([
                    "IPVSCTL_HEALTH_ADDRESS": target.address.description,
                    "IPVSCTL_HEALTH_PORT": String(target.port),
                ]),
                platformOptions: options,
                input: .none,
                output: .discarded,
                error: .discarded
            )
            switch result.terminationStatus {
            case .exited(0):
                return nil
            case .exited(let code):
                return ProbeFailure(.nonZeroExit, "\(program) exited with status \(code)")
            case .signaled(let signal):
                return ProbeFailure(.nonZeroExit, "\(program) was killed by signal \(signal)")
            }
        } catch {
            return ProbeFailure(.error, "cannot run \(program)", underlying: error)
        }
    }
}
