import Config
import Foundation
import IPVSCore
import Testing

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// `tls` of an https check: what each key maps to, the name verified by default, and every way
/// the mapping or the CA file it names can be wrong, each reported where it is written.
struct HealthCheckTLSTests {
    /// A real self-signed CA certificate (the loader parses the bundle as the prober will), after
    /// a comment line as bundles often have.
    static let pem = Array(
        """
        # a comment line
        -----BEGIN CERTIFICATE-----
        MIIBpTCCAUugAwIBAgIUbOV7G45q4tzqxOjRRbIvgNxef78wCgYIKoZIzj0EAwIw
        JzElMCMGA1UEAwwcaXB2c2N0bC1zd2lmdCBjb25maWcgdGVzdCBDQTAgFw0yNjEy
        MDMxOTIzMTBaGA8yMTI2MTEwOTE5MjMxMFowJzElMCMGA1UEAwwcaXB2c2N0bC1z
        d2lmdCBjb25maWcgdGVzdCBDQTBZMBMGByqGSM49AgEGCCqGSM49AwEHA0IABKyB
        7+TlNZ0qrSHAfgJOnn4YfLNGcCFB8B+VI5wuTTxF1kdqzPoau+itoH4MU09G6Yus
        rsy2nWJbvtVCERCRjE2jUzBRMB0GA1UdDgQWBBQUVGD/eC8PsxLBzLI0aj9btTh5
        ETAfBgNVHSMEGDAWgBQUVGD/eC8PsxLBzLI0aj9btTh5ETAPBgNVHRMBAf8EBTAD
        AQH/MAoGCCqGSM49BAMCA0gAMEUCIHhiHf6Im9/FjtIBSIlS2S/Lf3IYGG+LKYuA
        DiOcC9aCAiEAx7dFD3+6pz7deuQDL2GN80PzCUCbLbYAeG/3ZWdKqDE=
        -----END CERTIFICATE-----

        """.utf8)

    private func service(_ fields: String, sourceLocation: SourceLocation = #_sourceLocation) -> ServiceSpec? {
        ConfigTesting.service(
            "name: web\nclusterIPs: [198.51.100.1]\nports: [{port: 443}]\n" + fields,
            sourceLocation: sourceLocation)
    }

    /// The service's check written as `check`, on line 5 from column 16.
    private func problem(_ check: String, sourceLocation: SourceLocation = #_sourceLocation) -> ConfigProblem? {
        ConfigTesting.problem(
            "services:\n- name: a\n  clusterIPs: [198.51.100.1]\n  ports: [{port: 443}]\n  healthCheck: \(check)",
            sourceLocation: sourceLocation)
    }

    private func verification(_ check: String, sourceLocation: SourceLocation = #_sourceLocation) throws -> HealthCheck.TLSVerification? {
        let spec = try #require(service("healthCheck: \(check)", sourceLocation: sourceLocation), sourceLocation: sourceLocation)
        guard case .http(let http)? = spec.healthCheck?.probe else {
            Issue.record("not an HTTP probe: \(String(describing: spec.healthCheck))", sourceLocation: sourceLocation)
            return nil
        }
        return http.verification
    }

    // MARK: Keys

    @Test("without tls, or with verify: false, nothing is verified")
    func notVerified() throws {
        #expect(try verification("{type: https}") == nil)
        #expect(try verification("{type: https, tls: {verify: false}}") == nil)
        #expect(try verification("{type: https, tls: {}}") == nil)
    }

    @Test("verify: true alone: the system store, and the host's name when host names one")
    func verifyDefaults() throws {
        #expect(try verification("{type: https, tls: {verify: true}}") == .init(trustRoots: .system, serverName: nil))
        #expect(
            try verification("{type: https, host: \"web.example.org:8443\", tls: {verify: true}}")
                == .init(trustRoots: .system, serverName: "web.example.org"))
        #expect(try verification("{type: https, host: 192.0.2.10, tls: {verify: true}}") == .init(trustRoots: .system, serverName: nil))
    }

    @Test("serverName is the name verified, whatever host says")
    func serverName() throws {
        #expect(
            try verification("{type: https, host: web.example.org, tls: {verify: true, serverName: api.example.org}}")
                == .init(trustRoots: .system, serverName: "api.example.org"))
    }

    @Test("caFile: the bundle is read at load, and the check carries its bytes")
    func caFile() throws {
        let path = try TemporaryFile.write(Self.pem)
        defer { TemporaryFile.remove(path) }
        #expect(
            try verification("{type: https, tls: {verify: true, caFile: \"\(path)\", serverName: web.example.org}}")
                == .init(trustRoots: .bundle(file: path, pem: Self.pem), serverName: "web.example.org"))
    }

    @Test("an endpoint's tls replaces the service's whole; its host renames what is verified; another type drops it")
    func overrides() throws {
        let spec = try #require(
            service(
                """
                healthCheck: {type: https, host: web.example.org, tls: {verify: true, serverName: api.example.org}}
                endpoints:
                - {address: 192.0.2.1}
                - {address: 192.0.2.2, healthCheck: {tls: {verify: true}}}
                - {address: 192.0.2.3, healthCheck: {host: other.example.org, tls: {verify: true}}}
                - {address: 192.0.2.4, healthCheck: {tls: {verify: false}}}
                - {address: 192.0.2.5, healthCheck: {type: http}}
                """))
        let probes = spec.endpoints.map { endpoint -> HealthCheck.HTTPProbe? in
            if case .http(let http)? = endpoint.healthCheck?.probe { http } else { nil }
        }
        #expect(probes.map { $0?.verification?.serverName } == ["api.example.org", "web.example.org", "other.example.org", nil, nil])
        #expect(probes.map { $0?.verification == nil } == [false, false, false, true, true])
    }

    // MARK: Problems

    @Test("tls on a check that is not https is refused where written")
    func notHTTPS() throws {
        let found = try #require(problem("{type: http, tls: {verify: true}}"))
        #expect(found.place == Place(5, 34, "services[0].healthCheck.tls", .notApplicable))
        #expect(found.message == "tls applies only to https checks; this check is http")
        let endpoint = try #require(
            ConfigTesting.problem(
                """
                services:
                - name: a
                  clusterIPs: [198.51.100.1]
                  ports: [{port: 443}]
                  healthCheck: {type: tcp}
                  endpoints: [{address: 192.0.2.1, healthCheck: {tls: {verify: true}}}]
                """))
        #expect(endpoint.path == "services[0].endpoints[0].healthCheck.tls")
        #expect(endpoint.message == "tls applies only to https checks; this check is tcp (the service's type)")
    }

    @Test("an unknown key, or verify not a boolean, is reported inside tls")
    func keysAndTypes() throws {
        let unknown = try #require(problem("{type: https, tls: {verify: true, ca: /etc/ssl/ca.pem}}"))
        #expect(unknown.place == Place(5, 50, "services[0].healthCheck.tls.ca", .unknownKey))
        #expect(unknown.message == "unknown key 'ca'; allowed here: verify, caFile, serverName")
        let notBool = try #require(problem("{type: https, tls: {verify: yes please}}"))
        #expect(notBool.place == Place(5, 44, "services[0].healthCheck.tls.verify", .wrongType))
        let notMapping = try #require(problem("{type: https, tls: true}"))
        #expect(notMapping.place == Place(5, 35, "services[0].healthCheck.tls", .wrongType))
    }

    @Test("caFile and serverName without verify: true are refused, not ignored", arguments: ["", "verify: false, "])
    func withoutVerify(prefix: String) throws {
        let ca = try #require(problem("{type: https, tls: {\(prefix)caFile: /etc/ssl/ca.pem}}"))
        #expect(ca.code == .notApplicable)
        #expect(ca.path == "services[0].healthCheck.tls.caFile")
        #expect(ca.message == "caFile applies only with verify: true; without it no certificate is checked")
        let name = try #require(problem("{type: https, tls: {\(prefix)serverName: web.example.org}}"))
        #expect(name.code == .notApplicable)
        #expect(name.path == "services[0].healthCheck.tls.serverName")
    }

    @Test("serverName must be a DNS name, not an address")
    func badServerName() throws {
        let address = try #require(problem("{type: https, tls: {verify: true, serverName: 192.0.2.1}}"))
        #expect(address.place == Place(5, 62, "services[0].healthCheck.tls.serverName", .invalidValue))
        #expect(address.message == "serverName '192.0.2.1' is an address, not a name: leave serverName out to verify the chain only")
        let notName = try #require(problem("{type: https, tls: {verify: true, serverName: \"web..example.org\"}}"))
        #expect(notName.code == .invalidValue)
        #expect(notName.message.hasPrefix("'web..example.org' is not a DNS name"))
    }

    /// The one problem of a check that verifies with `path` as its caFile.
    private func caFileProblem(_ path: String, sourceLocation: SourceLocation = #_sourceLocation) -> ConfigProblem? {
        problem("{type: https, tls: {verify: true, caFile: \"\(path)\"}}", sourceLocation: sourceLocation)
    }

    @Test("caFile must be an absolute path")
    func relativeCAFile() throws {
        let found = try #require(caFileProblem("certs/ca.pem"))
        #expect(found.place == Place(5, 58, "services[0].healthCheck.tls.caFile", .invalidValue))
        #expect(found.message == "caFile 'certs/ca.pem' must be an absolute path")
    }

    @Test("a caFile that cannot be read: missing, a directory, a FIFO (refused at once, not waited on), too large")
    func unreadableCAFile() throws {
        let missing = try #require(caFileProblem("/nonexistent/ca.pem"))
        #expect(missing.place == Place(5, 58, "services[0].healthCheck.tls.caFile", .unreadableFile))
        #expect(missing.message == "caFile '/nonexistent/ca.pem' cannot be opened: No such file or directory")
        let directory = try #require(caFileProblem("/"))
        #expect(directory.code == .unreadableFile)
        #expect(directory.message == "caFile '/' is a directory, not a regular file")

        let fifo = NSTemporaryDirectory() + "ipvsctl-config-test-\(UUID().uuidString).fifo"
        try #require(mkfifo(fifo, 0o600) == 0)
        defer { TemporaryFile.remove(fifo) }
        #expect(caFileProblem(fifo)?.message == "caFile '\(fifo)' is a FIFO, not a regular file")

        let large = try TemporaryFile.write(Self.pem + Array(repeating: UInt8(ascii: "\n"), count: 1024 * 1024))
        defer { TemporaryFile.remove(large) }
        let tooLarge = try #require(caFileProblem(large))
        #expect(tooLarge.code == .unreadableFile)
        #expect(tooLarge.message == "caFile '\(large)' is \(1024 * 1024 + Self.pem.count) bytes, more than the 1 MiB allowed")
    }

    @Test(
        "a caFile that is not a PEM bundle of certificates",
        arguments: [
            ("not a certificate\n", "holds no PEM certificate (-----BEGIN CERTIFICATE-----)"),
            (
                "-----BEGIN CERTIFICATE-----\nnot base64!\n-----END CERTIFICATE-----\n",
                "is not a PEM bundle of certificates that the TLS library can parse"
            ),
            (
                "-----BEGIN CERTIFICATE-----\nMAMCAQE=\n-----END CERTIFICATE-----\n",
                "is not a PEM bundle of certificates that the TLS library can parse"
            ),
            ("-----BEGIN CERTIFICATE-----\nMAMCAQE=\n", "is not a PEM bundle of certificates that the TLS library can parse"),
            ("-----BEGIN PRIVATE KEY-----\nMAMCAQE=\n-----END PRIVATE KEY-----\n", "holds a private key: give the CA certificates only"),
            ("\u{FF}\u{FE}", "is not PEM text (it is not even UTF-8)"),
        ])
    func notPEM(content: String, reason: String) throws {
        let bytes = content == "\u{FF}\u{FE}" ? [0xFF, 0xFE] : Array(content.utf8)
        let path = try TemporaryFile.write(bytes)
        defer { TemporaryFile.remove(path) }
        let found = try #require(caFileProblem(path))
        #expect(found.code == .invalidValue)
        #expect(found.message == "caFile '\(path)' \(reason)")
    }
}
