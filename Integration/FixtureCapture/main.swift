// Captures IPVS netlink traffic from a real kernel as annotated Swift byte fixtures.
//
// Runs inside the kernel lab (Integration/lab.sh run -- .build/debug/ipvs-fixture-capture OUT):
// in a fresh network namespace it performs one operation per scenario with IPVSClient and
// records the datagrams it sent (which the kernel accepted) and the ones the kernel answered,
// then writes them with a comment per header and attribute. The codec tests hold the codec to
// these bytes in both directions.
import Foundation
import IPVSCore
import IPVSNetlink
import IPVSWire
import Synchronization

let output = CommandLine.arguments.count > 1 ? CommandLine.arguments[1] : "Tests/IPVSWireTests/Fixtures/KernelCaptures.swift"

@discardableResult
func sh(_ arguments: String...) throws -> String {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
    process.arguments = arguments
    let pipe = Pipe()
    process.standardOutput = pipe
    try process.run()
    let data = pipe.fileHandleForReading.readDataToEndOfFile()
    process.waitUntilExit()
    guard process.terminationStatus == 0 else { throw CaptureError(message: "\(arguments) failed") }
    return String(decoding: data, as: UTF8.self)
}

struct CaptureError: Error { var message: String }

let namespace = "ipvs-fixture-capture"
_ = try? sh("ip", "netns", "delete", namespace)
try sh("ip", "netns", "add", namespace)
defer { _ = try? sh("ip", "netns", "delete", namespace) }
try sh("ip", "-n", namespace, "link", "add", "rs0", "type", "dummy")
try sh("ip", "-n", namespace, "addr", "add", "203.0.113.254/24", "dev", "rs0")
try sh("ip", "-n", namespace, "addr", "add", "2001:db8:f::fe/64", "dev", "rs0", "nodad")
try sh("ip", "-n", namespace, "link", "set", "rs0", "up")

let recorded = Mutex<[(IPVSClient.DatagramDirection, [UInt8])]>([])
let client = try IPVSClient(
    configuration: .init(
        namespace: .named(namespace),
        datagramObserver: { direction, bytes in
            recorded.withLock { $0.append((direction, bytes)) }
        }))

struct Scenario {
    var name: String
    var summary: String
    var sent: [UInt8]
    var received: [[UInt8]]
}
var scenarios: [Scenario] = []

@MainActor func capture(_ name: String, _ summary: String, _ body: () throws -> Void) {
    recorded.withLock { $0.removeAll() }
    do { try body() } catch { print("\(name): \(error) (recorded as part of the capture)") }
    let datagrams = recorded.withLock { $0 }
    let sent = datagrams.filter { $0.0 == .sent }.map(\.1)
    precondition(sent.count == 1, "\(name) sent \(sent.count) datagrams")
    scenarios.append(Scenario(name: name, summary: summary, sent: sent[0], received: datagrams.filter { $0.0 == .received }.map(\.1)))
}

let tcp4 = VirtualServiceKey.address(.v4(IPv4Address(192, 0, 2, 1)), port: 80, protocol: .tcp)
let udp6 = VirtualServiceKey.address(IPAddress("2001:db8::53")!, port: 53, protocol: .udp)
let sctp4 = VirtualServiceKey.address(.v4(IPv4Address(192, 0, 2, 2)), port: 3868, protocol: .sctp)
let sip4 = VirtualServiceKey.address(.v4(IPv4Address(192, 0, 2, 5)), port: 5060, protocol: .udp)
let mark = VirtualServiceKey.firewallMark(42, family: .inet)
let masq = RealServer(
    address: .v4(IPv4Address(203, 0, 113, 1)), port: 8080, forwarding: .masquerade, weight: 5, upperThreshold: 100, lowerThreshold: 10)
let gue = RealServer(
    address: IPAddress("2001:db8:f::1")!, port: 53, forwarding: .tunnel(Tunnel(kind: .gue, port: 6080, checksum: .checksum)), weight: 2)
let direct = RealServer(address: .v4(IPv4Address(203, 0, 113, 2)), port: 0, forwarding: .directRoute, weight: 1)

capture("getInfo", "GET_INFO and the kernel's SET_INFO reply") { _ = try client.info() }
capture("getTimeouts", "GET_CONFIG and its reply (the defaults 900/120/300)") { _ = try client.timeouts() }
capture("setTimeouts", "SET_CONFIG tcp 1000, tcp-fin 100, udp 200, and the ACK") {
    try client.setTimeouts(Timeouts(tcp: 1000, tcpFin: 100, udp: 200))
}
capture("newServiceTCP4", "NEW_SERVICE TCP 192.0.2.1:80 rr, and the ACK") {
    try client.addVirtualService(VirtualService(key: tcp4, scheduler: .roundRobin))
}
capture("newServiceUDP6", "NEW_SERVICE UDP [2001:db8::53]:53 sh, persistent 300 s per /64, sh-fallback and sh-port") {
    try client.addVirtualService(
        VirtualService(
            key: udp6, scheduler: .sourceHashing,
            flags: [.persistent, .sourceHashFallback, .sourceHashPort], timeout: 300, netmask: 64))
}
capture("newServiceSCTP4", "NEW_SERVICE SCTP 192.0.2.2:3868 wlc, persistent 60 s per /24") {
    try client.addVirtualService(
        VirtualService(key: sctp4, scheduler: .weightedLeastConnection, flags: .persistent, timeout: 60, netmask: 0xFFFF_FF00))
}
capture("newServiceSIP", "NEW_SERVICE UDP 192.0.2.5:5060 rr, persistent 360 s, persistence engine sip") {
    try client.addVirtualService(
        VirtualService(key: sip4, scheduler: .roundRobin, flags: .persistent, timeout: 360, persistenceEngine: "sip"))
}
capture("newServiceFirewallMark", "NEW_SERVICE FWM 42 mh with mh-fallback") {
    try client.addVirtualService(VirtualService(key: mark, scheduler: .maglevHashing, flags: .maglevFallback))
}
capture("newServiceDuplicate", "NEW_SERVICE TCP 192.0.2.1:80 again: the kernel's EEXIST error") {
    try client.addVirtualService(VirtualService(key: tcp4, scheduler: .roundRobin))
}
capture("newRealServerMasquerade", "NEW_DEST 203.0.113.1:8080 masquerade, weight 5, thresholds 100/10, in TCP 192.0.2.1:80") {
    try client.addRealServer(masq, to: tcp4)
}
capture("newRealServerTunnel", "NEW_DEST [2001:db8:f::1]:53 GUE tunnel port 6080 with checksum, weight 2, in the UDP IPv6 service") {
    try client.addRealServer(gue, to: udp6)
}
capture("newRealServerDirectRoute", "NEW_DEST 203.0.113.2 direct route, weight 1, in FWM 42") {
    try client.addRealServer(direct, to: mark)
}
capture("setService", "SET_SERVICE TCP 192.0.2.1:80 to wrr") {
    try client.updateVirtualService(VirtualService(key: tcp4, scheduler: .weightedRoundRobin))
}
capture("setRealServer", "SET_DEST 203.0.113.1:8080 to weight 0 (draining)") {
    var drained = masq
    drained.weight = 0
    try client.updateRealServer(drained, in: tcp4)
}
capture("dumpServices", "GET_SERVICE dump and the five services") { _ = try client.virtualServices() }
capture("dumpRealServers", "GET_DEST dump of TCP 192.0.2.1:80") { _ = try client.realServers(of: tcp4) }
capture("getService", "GET_SERVICE of FWM 42") { _ = try client.virtualService(mark) }
capture("zeroCounters", "ZERO of every counter") { try client.zeroCounters() }
capture("deleteRealServer", "DEL_DEST 203.0.113.1:8080 from TCP 192.0.2.1:80") { try client.deleteRealServer(masq.key, from: tcp4) }
capture("deleteService", "DEL_SERVICE TCP 192.0.2.1:80") { try client.deleteVirtualService(tcp4) }
capture("flush", "FLUSH") { try client.flush() }

let kernel = (try? sh("uname", "-r"))?.trimmingCharacters(in: .whitespacesAndNewlines) ?? "unknown"
let family = IPVSMessageAnnotator.annotate(scenarios[0].sent).isEmpty ? 0 : UInt16(scenarios[0].sent[4]) | UInt16(scenarios[0].sent[5]) << 8

@MainActor func render(_ datagram: [UInt8], indent: String) -> String {
    var out = ""
    for line in IPVSMessageAnnotator.annotate(datagram) {
        let pad = indent + String(repeating: "  ", count: line.depth)
        let bytes = Array(line.bytes)
        out += "\(pad)// \(line.comment)\n"
        for chunk in stride(from: 0, to: bytes.count, by: 16) {
            let hex = bytes[chunk..<min(bytes.count, chunk + 16)].map { "0x" + String($0, radix: 16).leftPad(2) + "," }
            out += pad + hex.joined(separator: " ") + "\n"
        }
    }
    return out
}

extension String {
    func leftPad(_ width: Int) -> String { String(repeating: "0", count: max(0, width - count)) + self }
}

var file = """
    // Generated by Integration/FixtureCapture inside the kernel lab: do not edit by hand.
    // Linux \(kernel), IPVS generic netlink family id \(family). Each fixture is one exchange:
    // the datagram IPVSClient sent (which this kernel accepted) and the datagrams the kernel sent
    // back, annotated header by header and attribute by attribute (host byte order: little-endian).

    enum KernelCaptures {
        static let kernel = "\(kernel)"
        static let family: UInt16 = \(family)


    """
for scenario in scenarios {
    file += "    /// \(scenario.summary).\n"
    file += "    static let \(scenario.name) = Capture(\n        sent: [\n"
    file += render(scenario.sent, indent: "            ")
    file += "        ],\n        received: [\n"
    for datagram in scenario.received {
        file += "            [\n" + render(datagram, indent: "                ") + "            ],\n"
    }
    file += "        ]\n    )\n\n"
}
file += "}\n"
try file.write(toFile: output, atomically: true, encoding: .utf8)
print("wrote \(scenarios.count) captures to \(output)")
