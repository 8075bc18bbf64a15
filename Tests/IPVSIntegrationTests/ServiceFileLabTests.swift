import Foundation
import Testing

/// The agent with its services in service files, on a lab node with real backends: a file
/// added, edited and removed reaches the kernel (`ipvsadm` the witness, `curl` through the VIP
/// the proof), an edited file is read alone, and a broken file is refused at its own path, line
/// and column with the kernel left as it was.
extension KernelLab {
    @Suite
    struct ServiceFileLabTests {
        static let webVIP = "198.51.100.10"
        static let apiVIP = "198.51.100.11"

        static func serviceFile(_ name: String, vip: String, backends: [Int]) -> String {
            """
            services:
              - name: \(name)
                clusterIPs: [\(vip)]
                ports: [{port: 80, targetPort: 8080}]
                endpoints:
            \(backends.map { "      - {address: \(LabTopology.backendAddress($0)), node: node-a}" }.joined(separator: "\n"))

            """
        }

        @Test("service files added, edited and removed reach the kernel; an edited file is read alone; a broken one changes nothing")
        func serviceFiles() throws {
            let lab = try LabTopology()
            defer { lab.tearDown() }
            try lab.addBackend(named: "backend-0")
            try lab.addBackend(named: "backend-1")
            let directory = NSTemporaryDirectory() + "ipvsctl-service-files-\(UInt32.random(in: 0...UInt32.max))"
            try FileManager.default.createDirectory(atPath: directory + "/services.d", withIntermediateDirectories: true)
            defer { try? FileManager.default.removeItem(atPath: directory) }
            let write = { (name: String, text: String) in
                try text.write(toFile: "\(directory)/services.d/\(name)", atomically: true, encoding: .utf8)
            }
            try "nodes:\n  node-a: {addresses: [192.0.2.101]}\nserviceFiles: [services.d/*.yaml]\n".write(
                toFile: directory + "/config.yaml", atomically: true, encoding: .utf8)
            try write("web.yaml", Self.serviceFile("default/web", vip: Self.webVIP, backends: [0]))

            let agent = LabAgent(namespace: lab.director, configPath: directory + "/config.yaml", node: "node-a")
            try agent.start()
            defer { agent.stop() }
            #expect(lab.get(Self.webVIP) == "backend-0")

            // A file added: its service appears.
            try write("api.yaml", Self.serviceFile("default/api", vip: Self.apiVIP, backends: [1]))
            try LabWait.until("default/api is in the kernel", seconds: 30) { lab.get(Self.apiVIP) == "backend-1" }

            // One file edited: read alone, its new real server in the kernel.
            try write("web.yaml", Self.serviceFile("default/web", vip: Self.webVIP, backends: [0, 1]))
            try LabWait.until("default/web's second real server is in the kernel", seconds: 30) {
                try AgentLabTests.realServers(lab.director).filter { $0.contains(Self.webVIP) }.count == 2
            }
            #expect(agent.log.contains("read=edited services"), "the edited file was read alone")

            // A broken file: refused at its own place; the kernel keeps what it had.
            let rules = try Shell.run("ip", "netns", "exec", lab.director, "ipvsadm", "-Sn")
            try write("api.yaml", "services:\n  - name: default/api\n    clusterIPs: [198.51.100.300]\n")
            try LabWait.until("the reload failure is on /metrics", seconds: 30) {
                (agent.metric("ipvsctl_config_reloads_total", ["result": "failure"]) ?? 0) >= 1
            }
            #expect(agent.log.contains("services.d/api.yaml:3:18"), "the log names the service file, line and column")
            #expect(try Shell.run("ip", "netns", "exec", lab.director, "ipvsadm", "-Sn") == rules)
            #expect(lab.get(Self.apiVIP) == "backend-1")

            // The file removed: its service goes, the other stays.
            try FileManager.default.removeItem(atPath: directory + "/services.d/api.yaml")
            try LabWait.until("default/api is gone from the kernel", seconds: 30) {
                try !AgentLabTests.realServers(lab.director).contains { $0.contains(Self.apiVIP) }
            }
            #expect(agent.metric("ipvsctl_config_last_reload_successful") == 1)
            #expect(lab.get(Self.webVIP) != nil)
        }
    }
}
