import HealthChecking
import IPVSCore
import Testing

#if canImport(Glibc)
    import Glibc
#elseif canImport(Musl)
    import Musl
#endif

@Suite("Exec probe")
struct ExecProbeTests {
    let prober = NetworkProber()

    func target(_ command: [String], timeout: Duration = .seconds(10)) -> HealthTarget {
        HealthTarget(
            address: .v4(IPv4Address(192, 0, 2, 10)), port: 8081,
            check: HealthCheck(probe: .exec(.init(command: command)), timeout: timeout)
        )
    }

    @Test("exit 0: success")
    func success() async {
        let result = await prober.probe(target(["/bin/sh", "-c", "exit 0"]))
        #expect(result.isSuccess, "\(result)")
    }

    @Test("a program without a slash is looked up in PATH")
    func pathLookup() async {
        let result = await prober.probe(target(["sh", "-c", "exit 0"]))
        #expect(result.isSuccess, "\(result)")
    }

    @Test("exit 3: non-zero exit, with the status")
    func nonZero() async {
        let result = await prober.probe(target(["/bin/sh", "-c", "exit 3"]))
        #expect(result.failure?.kind == .nonZeroExit, "\(result)")
        #expect(result.failure?.message.contains("3") == true)
    }

    @Test("the command sees its target in IPVSCTL_HEALTH_ADDRESS and IPVSCTL_HEALTH_PORT")
    func environment() async {
        let check = #"test "$IPVSCTL_HEALTH_ADDRESS" = 192.0.2.10 && test "$IPVSCTL_HEALTH_PORT" = 8081"#
        #expect(await prober.probe(target(["/bin/sh", "-c", check])).isSuccess)
        let wrong = #"test "$IPVSCTL_HEALTH_PORT" = 9999"#
        #expect(await prober.probe(target(["/bin/sh", "-c", wrong])).failure?.kind == .nonZeroExit)
    }

    @Test("a command that outlives the timeout: timeout, and it is killed with what it started")
    func timeout() async {
        // A duration no other process uses, to find these two in the process table.
        let marker = "5.\(UInt32.random(in: 100_000...999_999))"
        let command = ["/bin/sh", "-c", "sleep \(marker) & sleep \(marker); wait"]
        async let result = prober.probe(target(command, timeout: .seconds(1)))
        // Both sleeps run (which shows that the process table is read right)...
        #expect(await eventually { processes(withArgument: marker).count == 2 })
        #expect(await result.failure?.kind == .timeout)
        // ...and are gone once the probe has timed out.
        #expect(await eventually { processes(withArgument: marker).isEmpty })
    }

    @Test("a program that does not exist: error")
    func missing() async {
        let result = await prober.probe(target(["/nonexistent/health-check"]))
        #expect(result.failure?.kind == .error, "\(result)")
        let empty = await prober.probe(target([]))
        #expect(empty.failure?.kind == .error, "\(empty)")
    }
}

/// Live (not zombie) processes with `argument` on their command line, from the proc file system.
private func processes(withArgument argument: String) -> [Int32] {
    guard let directory = opendir("/proc") else { return [] }
    defer { closedir(directory) }
    var found: [Int32] = []
    while let entry = readdir(directory) {
        let name = withUnsafeBytes(of: entry.pointee.d_name) { String(decoding: $0.prefix { $0 != 0 }, as: UTF8.self) }
        guard let pid = Int32(name) else { continue }
        // A zombie's command line is empty, so only running processes match.
        guard let file = fopen("/proc/\(pid)/cmdline", "r") else { continue }
        var bytes: [UInt8] = []
        while true {
            let byte = fgetc(file)
            if byte == EOF { break }
            bytes.append(UInt8(truncatingIfNeeded: byte))
        }
        fclose(file)
        let arguments = bytes.split(separator: 0).map { String(decoding: $0, as: UTF8.self) }
        if arguments.contains(argument) { found.append(pid) }
    }
    return found
}
