import IPVSCore
import NIOCore

/// Healthy when a TCP connection to the target completes; it is closed at once, with a reset.
struct TCPProbe {
    var target: HealthTarget

    func run() async -> ProbeFailure? {
        let loop: TCPConnectLoop
        switch TCPConnectLoop.shared {
        case .success(let shared): loop = shared
        case .failure(let error): return ProbeFailure(.error, "cannot wait for connects", underlying: error)
        }
        switch await loop.connect(to: target.address, port: target.port, timeout: target.check.timeout) {
        case .connected:
            return nil
        case .failed(let errno):
            return ProbeFailure(network: IOError(errnoCode: errno, reason: "connect"), while: "connecting")
        case .timedOut:
            return ProbeFailure(.timeout, "timed out while connecting")
        case .cancelled:
            return ProbeFailure(.error, "cancelled")
        }
    }
}
