// The encoding half of a cold `apply` without a kernel, for profiling on the host: the requests
// of N TCP services x 10 masquerade real servers (the side-by-side benchmark's W1) encoded into
// batches of about 140 KB, as the client fills them, and thrown away. Built and run by
// Benchmarks/Native/encode.sh.
import IPVSCore
import IPVSWire

@main
struct EncodeHarness {
    static func main() {
        let services = CommandLine.arguments.count > 1 ? Int(CommandLine.arguments[1]) ?? 10000 : 10000
        let rounds = CommandLine.arguments.count > 2 ? Int(CommandLine.arguments[2]) ?? 9 : 9
        var requests: [IPVSRequest] = []
        requests.reserveCapacity(services * 11)
        for index in 0..<services {
            let key = VirtualServiceKey.address(.v4(IPv4Address(0xC612_0000 + UInt32(index))), port: 80, protocol: .tcp)
            requests.append(
                .newService(
                    VirtualService(
                        key: key, scheduler: Scheduler(rawValue: "rr"), flags: [], timeout: 0, netmask: 0xFFFF_FFFF,
                        persistenceEngine: nil)))
            for slot in 0..<10 {
                let server = RealServer(
                    address: .v4(IPv4Address(0xCB00_7100 + UInt32(slot + 1))), port: UInt16(8000 + index % 1000),
                    forwarding: .masquerade, weight: 1, upperThreshold: 0, lowerThreshold: 0)
                requests.append(.newRealServer(server, service: key))
            }
        }
        let clock = ContinuousClock()
        var times: [Duration] = []
        var encoded = 0
        for _ in 0..<rounds {
            let start = clock.now
            var writer = NetlinkMessageWriter(capacity: 256 * 1024)
            for (sequence, request) in requests.enumerated() {
                request.encode(into: &writer, family: 30, sequence: UInt32(truncatingIfNeeded: sequence), acknowledge: false)
                if writer.bytes.count > 140_000 {
                    encoded &+= writer.bytes.count
                    writer.removeAll()
                }
            }
            encoded &+= writer.bytes.count
            times.append(clock.now - start)
        }
        let median = times.sorted()[times.count / 2]
        let milliseconds = Double(median.components.seconds) * 1e3 + Double(median.components.attoseconds) / 1e15
        print(
            "\(requests.count) requests: encode \((milliseconds * 10).rounded() / 10) ms (median of \(rounds)),"
                + " \(encoded / rounds) bytes")
    }
}
