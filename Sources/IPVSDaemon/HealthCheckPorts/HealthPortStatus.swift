/// What one health port reports: the service it belongs to and how many of its endpoints this
/// node serves.
public struct HealthPortStatus: Sendable, Hashable {
    /// `namespace/name`; a name without a slash has the empty namespace.
    public var serviceName: String
    /// Ready endpoints of the service on this node; 0 makes the port answer 503.
    public var localEndpoints: Int

    public init(serviceName: String, localEndpoints: Int) {
        self.serviceName = serviceName
        self.localEndpoints = localEndpoints
    }

    /// The answer kube-proxy's healthCheckNodePort gives, so that load balancers configured for
    /// it work unchanged: 200 with endpoints, 503 without, and the same JSON body.
    var response: HTTPResponse {
        let (namespace, name) = namespaceAndName
        let body =
            #"{"service":{"namespace":\#(jsonString(namespace)),"name":\#(jsonString(name))},"#
            + #""localEndpoints":\#(localEndpoints),"serviceProxyHealthy":true}"#
        return HTTPResponse(
            status: localEndpoints > 0 ? 200 : 503, contentType: "application/json",
            headers: [.init("X-Content-Type-Options", "nosniff")], body: Array(body.utf8))
    }

    private var namespaceAndName: (String, String) {
        guard let slash = serviceName.firstIndex(of: "/") else { return ("", serviceName) }
        return (String(serviceName[..<slash]), String(serviceName[serviceName.index(after: slash)...]))
    }
}

/// `text` as a JSON string literal.
private func jsonString(_ text: String) -> String {
    var out = "\""
    for scalar in text.unicodeScalars {
        switch scalar {
        case "\"": out += "\\\""
        case "\\": out += "\\\\"
        case "\n": out += "\\n"
        case "\r": out += "\\r"
        case "\t": out += "\\t"
        case _ where scalar.value < 0x20:
            let hex = String(scalar.value, radix: 16)
            out += "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
        default: out.unicodeScalars.append(scalar)
        }
    }
    return out + "\""
}
