import IPVSCore

#if canImport(Glibc)
    import Glibc
#endif

/// The outcome of ``InterfaceAddressClient/apply(adding:removing:on:)``: what the kernel did
/// with each address, and why it refused the ones it refused.
///
/// Adding an address that is already there (`EEXIST`) and removing one that is not
/// (`EADDRNOTAVAIL`) are not failures: they are listed apart, so that a ledger records only the
/// addresses this call really bound.
public struct AddressChangeResult: Sendable {
    public enum Change: Sendable, Hashable, CustomStringConvertible {
        /// Corresponds to `RTM_NEWADDR`.
        case add
        /// Corresponds to `RTM_DELADDR`.
        case remove

        public var description: String {
            switch self {
            case .add: "add"
            case .remove: "remove"
            }
        }
    }

    public struct Failure: Sendable, CustomStringConvertible {
        public var change: Change
        public var address: IPAddress
        public var error: IPVSError

        public var description: String { "\(change) \(address): \(error)" }
    }

    /// Bound by this call.
    public var added: [IPAddress] = []
    /// Asked for, and already on the interface.
    public var alreadyPresent: [IPAddress] = []
    /// Unbound by this call.
    public var removed: [IPAddress] = []
    /// Asked to go, and already gone.
    public var alreadyAbsent: [IPAddress] = []
    public var failures: [Failure] = []

    public init() {}

    public var succeeded: Bool { failures.isEmpty }

    /// Files the kernel's answer to one request (`errno` 0 for success).
    mutating func record(_ change: Change, _ address: IPAddress, errno code: Int32, kernelMessage: String?, interface: String) {
        switch (change, code) {
        case (.add, 0): added.append(address)
        case (.add, EEXIST): alreadyPresent.append(address)
        case (.remove, 0): removed.append(address)
        case (.remove, EADDRNOTAVAIL): alreadyAbsent.append(address)
        default:
            failures.append(
                Failure(
                    change: change, address: address,
                    error: Self.error(change, address, errno: code, kernelMessage: kernelMessage, interface: interface)))
        }
    }

    /// The kernel's errno for one address, in words.
    private static func error(
        _ change: Change, _ address: IPAddress, errno code: Int32, kernelMessage: String?, interface: String
    ) -> IPVSError {
        let object = "\(address) on \(interface)"
        let message: String
        switch (code, address.family) {
        case (EPERM, _):
            return IPVSError(
                .permissionDenied, "permission denied: changing addresses needs CAP_NET_ADMIN",
                object: object, errno: code, kernelMessage: kernelMessage)
        case (EACCES, .inet6):
            message = "IPv6 is disabled on \(interface) (net.ipv6.conf.\(interface).disable_ipv6)"
        case (ENODEV, _):
            message = "the interface \(interface) is gone"
        default:
            message = "\(change == .add ? "adding" : "removing") the address failed: \(IPVSError.errnoText(code))"
        }
        return IPVSError(.commandFailed, message, object: object, errno: code, kernelMessage: kernelMessage)
    }
}
