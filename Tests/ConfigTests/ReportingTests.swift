import Config
import Testing

/// How problems are reported: all at once, in file order, in the compiler-like format.
struct ReportingTests {
    @Test("every problem of a file is reported at once, in file order")
    func allAtOnce() throws {
        let problems = ConfigTesting.problems(
            """
            interface: "a b"
            kernel: {connReuseMode: 9}
            services:
            - name: a
              clusterIPs: [198.51.100.999]
              ports: [{port: 0}]
              scheduler: nope
            - name: b
              endpoints: [{address: x}]
              bogus: 1
            """)
        #expect(
            problems.map(\.place) == [
                Place(1, 12, "interface", .invalidValue),
                Place(2, 25, "kernel.connReuseMode", .outOfRange),
                Place(5, 16, "services[0].clusterIPs[0]", .invalidAddress),
                Place(6, 18, "services[0].ports[0].port", .outOfRange),
                Place(7, 14, "services[0].scheduler", .unknownScheduler),
                Place(8, 3, "services[1]", .noVirtualService),
                Place(9, 25, "services[1].endpoints[0].address", .invalidAddress),
                Place(10, 3, "services[1].bogus", .unknownKey),
            ])
    }

    @Test("a problem reads FILE:LINE:COLUMN: PATH: MESSAGE")
    func problemDescription() throws {
        let problem = try #require(
            ConfigTesting.problem(
                """
                services:
                - name: a
                  clusterIPs: [198.51.100.1]
                  ports: [{port: 70000}]
                """))
        #expect(problem.description == "test.yaml:4:18: services[0].ports[0].port: port 70000 is out of range 1...65535")
        #expect(problem.file == "test.yaml")
        #expect(problem.line == 4)
        #expect(problem.column == 18)
        #expect(problem.path == "services[0].ports[0].port")
        #expect(problem.code == .outOfRange)
        #expect(problem.message == "port 70000 is out of range 1...65535")
    }

    @Test("a problem without position or path leaves them out")
    func descriptionWithoutPosition() {
        let whole = ConfigProblem(file: "f.yaml", line: 0, column: 0, path: "", code: .unreadableFile, message: "gone")
        #expect(whole.description == "f.yaml: gone")
        let root = ConfigProblem(file: "f.yaml", line: 1, column: 1, path: "", code: .wrongType, message: "m")
        #expect(root.description == "f.yaml:1:1: m")
    }

    @Test("a ConfigError prints one line per problem")
    func errorDescription() {
        let error = #expect(throws: ConfigError.self) {
            try ConfigLoader.parse("services: [{name: a}]\nnode: [x]", file: "f.yaml")
        }
        #expect(
            error?.description == """
                f.yaml:1:12: services[0]: the service declares no virtual service: give clusterIPs, externalIPs, loadBalancerIPs, a nodePort or a firewallMark
                f.yaml:2:7: node: expected a string, found a list
                """)
        #expect(error?.problems.count == 2)
    }

    @Test("the file name given to parse is the one problems carry")
    func fileName() {
        let error = #expect(throws: ConfigError.self) {
            try ConfigLoader.parse("services: 1", file: "/etc/ipvsctl-swift/config.yaml")
        }
        #expect(error?.problems.map(\.file) == ["/etc/ipvsctl-swift/config.yaml"])
    }
}
