// The read path of `ipvsctl-swift list` without a kernel, for profiling on the host (which has
// no IPVS): a table of N services x 10 real servers as the kernel sends it (every message a copy
// of one captured from the lab kernel, Tests/IPVSWireTests/Fixtures), each dump's datagram
// copied into one kept receive buffer as `recv` does, split, matched, decoded where it lies, then
// printed in `list`'s layout to /dev/null. Built and run by Benchmarks/Native/profile.sh.

import IPVSCore
import IPVSWire

#if canImport(Glibc)
    import Glibc
#endif

@main
struct ReadHarness {
    static func main() throws {
        let services = CommandLine.arguments.count > 1 ? Int(CommandLine.arguments[1]) ?? 2000 : 2000
        let rounds = CommandLine.arguments.count > 2 ? Int(CommandLine.arguments[2]) ?? 5 : 5
        let portID: UInt32 = 2_545_942_772
        // One real-server message (sequence 17) and the NLMSG_DONE after it.
        let realServerDatagram = KernelCaptures.dumpRealServers.received[0]
        let done = KernelCaptures.dumpRealServers.received[1]
        var dumpReply: [UInt8] = []
        for _ in 0..<10 { dumpReply += realServerDatagram }
        dumpReply += done
        let serviceMessage = try NetlinkDatagram.messages(in: KernelCaptures.dumpServices.received[0])[0]
        let service = try IPVSReplyDecoder.virtualService(from: serviceMessage)

        var buffer = [UInt8](repeating: 0, count: 64 * 1024)
        // Where the printed table goes: /dev/null, or a file named third, to read it.
        let path = CommandLine.arguments.count > 3 ? CommandLine.arguments[3] : "/dev/null"
        let devNull = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
        let clock = ContinuousClock()
        var decodeTimes: [Duration] = []
        var printTimes: [Duration] = []
        for _ in 0..<rounds {
            var table: [ObservedTableEntry] = []
            table.reserveCapacity(services)
            let decodeStart = clock.now
            for _ in 0..<services {
                var conversation = NetlinkConversation(firstSequence: 17, portID: portID)
                var exchange = conversation.begin(.dump)
                // What recv does: the datagram lands in the kept buffer.
                buffer.withUnsafeMutableBytes { target in
                    dumpReply.withUnsafeBytes { target.copyMemory(from: $0) }
                }
                var servers: [ObservedRealServer] = []
                for message in try exchange.consume(buffer[0..<dumpReply.count]) {
                    servers.append(try IPVSReplyDecoder.realServer(from: message, serviceFamily: .inet))
                }
                precondition(exchange.isFinished && servers.count == 10)
                table.append(ObservedTableEntry(virtualService: service, realServers: servers))
            }
            decodeTimes.append(clock.now - decodeStart)
            let printStart = clock.now
            var out = TextOutput(descriptor: devNull)
            try TableText.write(table, info: IPVSInfo(version: 0x01_02_01, connectionTableSize: 4096), statistics: false, to: &out)
            try out.flush()
            printTimes.append(clock.now - printStart)
        }
        func median(_ values: [Duration]) -> String {
            let sorted = values.sorted()
            let value = sorted[sorted.count / 2]
            let milliseconds = Double(value.components.seconds) * 1e3 + Double(value.components.attoseconds) / 1e15
            return "\((milliseconds * 10).rounded() / 10) ms"
        }
        print("services \(services) x 10: decode \(median(decodeTimes)), print \(median(printTimes)) (median of \(rounds))")
    }
}
