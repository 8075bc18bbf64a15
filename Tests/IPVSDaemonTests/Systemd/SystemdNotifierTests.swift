import Testing

@testable import IPVSDaemon

#if canImport(Glibc)
    import Glibc
#endif

@Suite("systemd notify protocol")
struct SystemdNotifierTests {
    @Test("no NOTIFY_SOCKET means no notifier, so callers do nothing")
    func absentWithoutNotifySocket() {
        #expect(SystemdNotifier(environment: [:]) == nil)
        #expect(SystemdNotifier(environment: ["NOTIFY_SOCKET": ""]) == nil)
        #expect(SystemdNotifier(environment: ["WATCHDOG_USEC": "30000000"]) == nil)
    }

    @Test("ready and status arrive together in one datagram on a path socket")
    func sendsToPathSocket() throws {
        let receiver = try DatagramReceiver()
        let notifier = try #require(SystemdNotifier(environment: ["NOTIFY_SOCKET": receiver.notifySocket]))
        try notifier.send([.ready, .status("3 virtual services\nin sync")])
        #expect(try receiver.receiveLines() == ["READY=1", "STATUS=3 virtual services in sync"])
    }

    @Test("an abstract @name socket receives watchdog, stopping and extend-timeout")
    func sendsToAbstractSocket() throws {
        let receiver = try DatagramReceiver(abstractTag: "abstract")
        #expect(receiver.notifySocket.hasPrefix("@"))
        let notifier = try #require(SystemdNotifier(environment: ["NOTIFY_SOCKET": receiver.notifySocket]))
        try notifier.send(.watchdog)
        #expect(try receiver.receiveLines() == ["WATCHDOG=1"])
        try notifier.send([.stopping, .extendTimeout(.milliseconds(2_500))])
        #expect(try receiver.receiveLines() == ["STOPPING=1", "EXTEND_TIMEOUT_USEC=2500000"])
    }

    @Test("reloading carries the monotonic clock at sending, as systemd 253 and later check")
    func reloadingCarriesMonotonicTime() throws {
        let receiver = try DatagramReceiver(abstractTag: "reload")
        let notifier = try #require(SystemdNotifier(environment: ["NOTIFY_SOCKET": receiver.notifySocket]))
        let before = SystemdNotifier.monotonicMicroseconds()
        try notifier.send(.reloading)
        let after = SystemdNotifier.monotonicMicroseconds()
        let lines = try receiver.receiveLines()
        #expect(lines.count == 2)
        #expect(lines.first == "RELOADING=1")
        let stamp = try #require(lines.last.flatMap { $0.split(separator: "=").last }.flatMap { UInt64($0) })
        #expect(lines.last?.hasPrefix("MONOTONIC_USEC=") == true)
        #expect((before...after).contains(stamp))
    }

    @Test("a socket that does not exist is a sendFailed error with its errno")
    func missingSocketFails() throws {
        let notifier = try #require(SystemdNotifier(environment: ["NOTIFY_SOCKET": "/nonexistent-ipvsctl/notify"]))
        let error = try #require(throws: SystemdNotifyError.self) { try notifier.send(.ready) }
        #expect(error.code == .sendFailed)
        #expect(error.errno == ENOENT)
        #expect(error.socket == "/nonexistent-ipvsctl/notify")
    }

    @Test("an address that is neither a path nor @name, or too long, is refused before sending")
    func invalidAddressFails() throws {
        for address in ["relative/notify", "vsock:2:1234", "/" + String(repeating: "x", count: 200)] {
            let notifier = try #require(SystemdNotifier(environment: ["NOTIFY_SOCKET": address]))
            let error = try #require(throws: SystemdNotifyError.self) { try notifier.send(.ready) }
            #expect(error.code == .invalidSocketAddress)
            #expect(error.errno == nil)
        }
    }

    @Test("WATCHDOG_USEC is honoured when WATCHDOG_PID is absent or ours, not another's")
    func watchdogInterval() throws {
        let socket = ["NOTIFY_SOCKET": "@x"]
        func interval(_ extra: [String: String]) -> Duration?? {
            SystemdNotifier(environment: socket.merging(extra) { $1 }, processID: 4242).map(\.watchdogInterval)
        }
        #expect(interval([:]) == .some(nil))
        #expect(interval(["WATCHDOG_USEC": "30000000"]) == .some(.seconds(30)))
        #expect(interval(["WATCHDOG_USEC": "30000000", "WATCHDOG_PID": "4242"]) == .some(.seconds(30)))
        #expect(interval(["WATCHDOG_USEC": "30000000", "WATCHDOG_PID": "4243"]) == .some(nil))
        #expect(interval(["WATCHDOG_USEC": "30000000", "WATCHDOG_PID": "not a pid"]) == .some(nil))
        #expect(interval(["WATCHDOG_USEC": "0"]) == .some(nil))
        #expect(interval(["WATCHDOG_USEC": "-5"]) == .some(nil))
        #expect(interval(["WATCHDOG_USEC": "1500"]) == .some(.microseconds(1_500)))
    }

    @Test("the process's own pid is the default owner of the watchdog")
    func watchdogDefaultsToOwnPID() {
        let environment = ["NOTIFY_SOCKET": "@x", "WATCHDOG_USEC": "2000000", "WATCHDOG_PID": "\(getpid())"]
        #expect(SystemdNotifier(environment: environment)?.watchdogInterval == .seconds(2))
    }
}
