import IPVSCore
import IPVSNetlink
import IPVSWire
import Testing

extension KernelLab {
    @Suite
    struct BatchTests {
        static func serviceKey(_ index: Int) -> VirtualServiceKey {
            .address(.v4(IPv4Address(0xC612_0000 + UInt32(index))), port: 80, protocol: .tcp)  // 198.18.0.0/15
        }

        @Test("a batch of thousands with one failing command in the middle")
        func halfFailingBatch() throws {
            try LabNamespace.with { lab in
                var requests = (0..<3000).map {
                    IPVSRequest.newService(VirtualService(key: BatchTests.serviceKey($0), scheduler: .roundRobin))
                }
                requests.insert(.newService(VirtualService(key: BatchTests.serviceKey(10), scheduler: .roundRobin)), at: 1500)
                let before = lab.client.counters
                let result = try lab.client.apply(requests)
                let after = lab.client.counters
                #expect(result.applied == 3000)
                #expect(result.failures.count == 1)
                #expect(result.failures.first?.index == 1500)
                #expect(result.failures.first?.error.errno == 17)  // EEXIST
                #expect(result.failures.first?.error.object == "TCP 198.18.0.10:80")
                let services = try lab.client.virtualServices()
                #expect(services.count == 3000)
                #expect(Set(services.map(\.service.key)).count == 3000)
                // 3001 commands at up to 1024 per sendmsg.
                #expect(after.datagramsSent - before.datagramsSent == 3)
                #expect(after.socketsOpened == 1)
            }
        }

        @Test("the last command of a batch failing still ends the batch")
        func lastCommandFails() throws {
            try LabNamespace.with { lab in
                let requests = [
                    IPVSRequest.newService(VirtualService(key: BatchTests.serviceKey(1), scheduler: .roundRobin)),
                    .newService(VirtualService(key: BatchTests.serviceKey(1), scheduler: .roundRobin)),
                ]
                let result = try lab.client.apply(requests)
                #expect(result.applied == 1)
                #expect(result.failures.map(\.index) == [1])
            }
        }

        @Test("a full read of 2,000 services x 5 real servers, on one socket and spread over two and four")
        func largeDump() throws {
            try LabNamespace.with { lab in
                var requests: [IPVSRequest] = []
                for index in 0..<2000 {
                    let key = BatchTests.serviceKey(index)
                    requests.append(.newService(VirtualService(key: key, scheduler: .roundRobin)))
                    for real in 0..<5 {
                        requests.append(
                            .newRealServer(
                                RealServer(
                                    address: .v4(IPv4Address(203, 0, 113, UInt8(1 + real))),
                                    port: UInt16(8000 + index % 1000)), service: key))
                    }
                }
                let result = try lab.client.apply(requests)
                #expect(result.succeeded)
                let oneLane = try IPVSClient(configuration: .init(namespace: .named(lab.name), readLanes: 1))
                let table = try oneLane.table()
                #expect(table.count == 2000)
                #expect(table.allSatisfy { $0.realServers.count == 5 })
                let missing = Set((0..<2000).map(BatchTests.serviceKey)).subtracting(table.map(\.virtualService.service.key))
                #expect(missing.isEmpty)
                #expect(try lab.savedRules().count == 12000)
                #expect(oneLane.counters.socketsOpened == 1)
                // The same table, in the same order, whichever lane read each service; the
                // other lanes' sockets open once and serve the next read too.
                for lanes in [2, 4] {
                    let client = try IPVSClient(configuration: .init(namespace: .named(lab.name), readLanes: lanes))
                    #expect(try client.table() == table)
                    #expect(try client.table() == table)
                    #expect(client.counters.socketsOpened == lanes)
                    #expect(client.counters.dumps == 2 * 2001)
                }
            }
        }
    }
}
