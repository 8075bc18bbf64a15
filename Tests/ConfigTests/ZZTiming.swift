import Config
import Testing

@Test func timing() throws {
    var text = "services:\n"
    for i in 0..<10000 {
        text += "- name: ns/svc-\(i)\n  clusterIPs: [198.\(18 + i / 65536).\(i / 256 % 256).\(i % 256)]\n  ports: [{name: http, port: 80, targetPort: 8080}]\n  endpoints:\n"
        for j in 0..<10 { text += "  - {address: 192.0.\(j).\(i % 250 + 1), node: node-\(j)}\n" }
    }
    let clock = ContinuousClock()
    let start = clock.now
    let state = try ConfigLoader.parse(text, file: "big.yaml")
    print("parsed \(state.services.count) in \(clock.now - start)")
}
