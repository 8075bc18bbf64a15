import Testing

@testable import HealthChecking

@Suite("The TCP connect loop's registry: connects in flight and their deadlines")
struct ConnectRegistryTests {
    let start = ContinuousClock.now

    @Test("a connect is taken once, and only by its own serial")
    func takenOnce() {
        var registry = ConnectRegistry<String>()
        let first = InFlightConnect(socket: 7, serial: 1)
        let second = InFlightConnect(socket: 7, serial: 2)
        _ = registry.register(first, deadline: start + .seconds(1), waiter: "first")
        let byWrongSerial = registry.take(second)
        let byOwnSerial = registry.take(first)
        let again = registry.take(first)
        #expect(byWrongSerial == nil)
        #expect(byOwnSerial == "first")
        #expect(again == nil)
        // The socket number is reused by a later connect: the first one's event finds nothing.
        _ = registry.register(second, deadline: start + .seconds(1), waiter: "second")
        let stale = registry.take(first)
        let current = registry.take(second)
        #expect(stale == nil)
        #expect(current == "second")
        #expect(registry.count == 0)
    }

    @Test("the epoll token gives back the socket and the serial, whatever their bits")
    func token() {
        let connects = [
            InFlightConnect(socket: 0, serial: 0), InFlightConnect(socket: 1_048_575, serial: .max),
            InFlightConnect(socket: .max, serial: 3),
        ]
        for connect in connects {
            #expect(InFlightConnect(token: connect.token) == connect)
            #expect(connect.token != .max, "the loop's wake-up token")
        }
    }

    @Test("expired connects are taken in deadline order; finished ones are skipped")
    func expiry() {
        var registry = ConnectRegistry<Int>()
        for (socket, milliseconds) in [(3, 300), (1, 100), (2, 200), (4, 400)] {
            let connect = InFlightConnect(socket: CInt(socket), serial: 0)
            _ = registry.register(connect, deadline: start + .milliseconds(milliseconds), waiter: socket)
        }
        _ = registry.take(InFlightConnect(socket: 2, serial: 0))
        var expired: [Int] = []
        registry.takeExpired(now: start + .milliseconds(300)) { _, waiter in expired.append(waiter) }
        #expect(expired == [1, 3])
        #expect(registry.count == 1)
    }

    @Test("the loop sleeps until the earliest deadline still in flight, rounded up to a millisecond, or without limit")
    func sleep() {
        var registry = ConnectRegistry<Int>()
        let empty = registry.planSleep(now: start)
        #expect(empty == -1)
        #expect(registry.phase == .sleeping(until: nil))
        registry.wokeUp()
        _ = registry.register(InFlightConnect(socket: 1, serial: 0), deadline: start + .microseconds(1_500), waiter: 1)
        _ = registry.register(InFlightConnect(socket: 2, serial: 0), deadline: start + .seconds(2), waiter: 2)
        let roundedUp = registry.planSleep(now: start)
        let passed = registry.planSleep(now: start + .seconds(1))
        #expect(roundedUp == 2)
        #expect(passed == 0, "a deadline passed: no wait")
        _ = registry.take(InFlightConnect(socket: 1, serial: 0))
        let afterFinish = registry.planSleep(now: start)
        #expect(afterFinish == 2_000, "a finished connect's deadline no longer counts")
        #expect(registry.phase == .sleeping(until: start + .seconds(2)))
    }

    @Test("a registration wakes the loop only when it sleeps past the new deadline, and once")
    func wakes() {
        var registry = ConnectRegistry<Int>()
        var woken: [Bool] = []
        func register(_ socket: CInt, in deadline: Duration) {
            woken.append(registry.register(InFlightConnect(socket: socket, serial: 0), deadline: start + deadline, waiter: Int(socket)))
        }
        register(1, in: .seconds(2))
        _ = registry.planSleep(now: start)
        register(2, in: .seconds(3))
        register(3, in: .seconds(1))
        register(4, in: .milliseconds(500))
        // Awake (it plans again anyway), a later deadline, an earlier one, woken already.
        #expect(woken == [false, false, true, false])
        registry.wokeUp()
        for socket in 1...4 { _ = registry.take(InFlightConnect(socket: CInt(socket), serial: 0)) }
        _ = registry.planSleep(now: start)
        let asleepWithoutLimit = registry.register(InFlightConnect(socket: 5, serial: 0), deadline: start + .seconds(9), waiter: 5)
        #expect(asleepWithoutLimit)
    }
}
