import Foundation
import IPVSNetlink
import Testing

/// On a kernel without IPVS (this project's build machines), the client must say so clearly,
/// never hand back an empty table (moby/ipvs#27). On a kernel with IPVS it must open.
struct UnavailableKernelTests {
    static var kernelHasIPVS: Bool { FileManager.default.fileExists(atPath: "/proc/net/ip_vs") }

    @Test("a missing IPVS is a clear, typed error")
    func missingIPVS() throws {
        if Self.kernelHasIPVS {
            let client = try IPVSClient()
            #expect(client.counters.socketsOpened == 1)
        } else {
            let error = #expect(throws: IPVSError.self) { try IPVSClient() }
            #expect(error?.code == .ipvsUnavailable)
            #expect(error?.description == "IPVS is not available in this kernel: load the ip_vs module (modprobe ip_vs)")
        }
    }

    @Test("a namespace that does not exist is named in the error")
    func missingNamespace() {
        let error = #expect(throws: IPVSError.self) {
            try IPVSClient(configuration: .init(namespace: NetworkNamespace(path: "/nonexistent/netns/x")))
        }
        #expect(error?.code == .namespaceUnavailable)
        #expect(error?.message.contains("/nonexistent/netns/x") == true)
    }
}
