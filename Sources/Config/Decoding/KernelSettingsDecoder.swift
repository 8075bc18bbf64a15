import IPVSCore

/// Decodes `kernel:`: the IPVS connection timeouts, the `net.ipv4.vs.*` settings and strict
/// ARP. Every key is optional; an absent one leaves the kernel's value alone.
enum KernelSettingsDecoder {
    enum Key: String, ConfigKey {
        case timeouts, conntrack, expireNoDestConn, expireQuiescentTemplate, connReuseMode, strictARP
    }

    enum TimeoutKey: String, ConfigKey {
        case tcp, tcpFin, udp
    }

    static func decode(_ node: ConfigNode) -> KernelSettings {
        guard let fields = node.mapping(Key.self) else { return KernelSettings() }
        return KernelSettings(
            timeouts: fields[.timeouts].flatMap(timeouts),
            conntrack: fields[.conntrack]?.bool(),
            expireNoDestinationConnections: fields[.expireNoDestConn]?.bool(),
            expireQuiescentTemplates: fields[.expireQuiescentTemplate]?.bool(),
            connectionReuseMode: fields[.connReuseMode]?.integer(in: Limits.connectionReuseMode),
            strictARP: fields[.strictARP]?.bool())
    }

    /// Timeouts the file does not give are 0, which the kernel reads as "leave unchanged"; no
    /// timeout given at all is nil.
    private static func timeouts(_ node: ConfigNode) -> Timeouts? {
        guard let fields = node.mapping(TimeoutKey.self) else { return nil }
        let hint = " (omit it to keep the kernel's value)"
        let tcp = fields[.tcp]?.integer(in: Limits.connectionTimeout, hint: hint)
        let tcpFin = fields[.tcpFin]?.integer(in: Limits.connectionTimeout, hint: hint)
        let udp = fields[.udp]?.integer(in: Limits.connectionTimeout, hint: hint)
        guard tcp != nil || tcpFin != nil || udp != nil else { return nil }
        return Timeouts(tcp: tcp ?? 0, tcpFin: tcpFin ?? 0, udp: udp ?? 0)
    }
}
