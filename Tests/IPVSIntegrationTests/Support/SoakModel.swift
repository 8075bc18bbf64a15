/// The services a soak declares, as data: the config text the agent reads and the `ipvsadm -Sn`
/// lines that config must make. Synthetic services point at addresses that only need to be
/// routable; `soak/web` points at two real backends and is health-checked, with a health port.
struct SoakModel {
    static let realServersPerService = 10
    /// The most synthetic services a model has; `serviceCount` toggles one below it.
    let maximumServices: Int
    var serviceCount: Int
    /// One weight per synthetic service, for all its real servers.
    var weights: [Int]
    /// Backends of `soak/web` that are up (the agent takes the others out).
    var webBackendsUp: Set<Int> = [0, 1]
    static let webBackends = [LabTopology.backendAddress(0), LabTopology.backendAddress(1)]
    static let webVIP = "10.97.0.1"
    static let webExternalIP = "192.0.2.80"
    static let healthPort: UInt16 = 30080
    /// The network the synthetic real servers live in (a dummy link's, so they route).
    static let realServerNetwork = "10.64.0.254/16"

    init(services: Int) {
        maximumServices = services
        serviceCount = services
        weights = Array(repeating: 1, count: services)
    }

    static func vip(_ service: Int) -> String { "10.96.\(service / 250).\(service % 250 + 1)" }

    static func realServer(_ service: Int, _ index: Int) -> String {
        let number = service * realServersPerService + index
        return "10.64.\(number / 250).\(number % 250 + 1)"
    }

    var config: String {
        var text = """
            node: node-a
            services:
              - name: soak/web
                clusterIPs: [\(Self.webVIP)]
                externalIPs: [\(Self.webExternalIP)]
                externalTrafficPolicy: Local
                healthCheckNodePort: \(Self.healthPort)
                ports: [{port: 80, targetPort: 8080}]
                healthCheck: {type: tcp, intervalSeconds: 2, timeoutSeconds: 2, rise: 2, fall: 3}
                endpoints:
                  - {address: \(Self.webBackends[0]), node: node-a}
                  - {address: \(Self.webBackends[1]), node: node-a}

            """
        for service in 0..<serviceCount {
            text += "  - name: soak/svc-\(service)\n    clusterIPs: [\(Self.vip(service))]\n"
            text += "    ports: [{port: 80, targetPort: 8080}]\n    endpoints:\n"
            for index in 0..<Self.realServersPerService {
                text += "      - {address: \(Self.realServer(service, index)), weight: \(weights[service])}\n"
            }
        }
        return text
    }

    /// The table the config makes, as `ipvsadm -Sn` prints it.
    var expectedRules: Set<String> {
        var rules: Set<String> = []
        for vip in [Self.webVIP, Self.webExternalIP] {
            rules.insert("-A -t \(vip):80 -s rr")
            for backend in webBackendsUp { rules.insert("-a -t \(vip):80 -r \(Self.webBackends[backend]):8080 -m -w 1") }
        }
        for service in 0..<serviceCount {
            rules.insert("-A -t \(Self.vip(service)):80 -s rr")
            for index in 0..<Self.realServersPerService {
                rules.insert("-a -t \(Self.vip(service)):80 -r \(Self.realServer(service, index)):8080 -m -w \(weights[service])")
            }
        }
        return rules
    }
}
