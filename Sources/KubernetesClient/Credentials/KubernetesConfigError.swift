/// Credentials that could not be loaded: a kubeconfig or in-cluster setting that is missing,
/// malformed or unsupported, or a file it names that cannot be read.
public struct KubernetesConfigError: Error, Sendable, CustomStringConvertible {
    public struct Code: Hashable, Sendable, CustomStringConvertible {
        fileprivate let name: String
        public var description: String { name }

        /// A file (the kubeconfig, or one it or the service account names) cannot be read.
        public static let fileUnreadable = Code(name: "fileUnreadable")
        /// The kubeconfig is not YAML of the kubeconfig's shape.
        public static let malformed = Code(name: "malformed")
        /// A context, cluster or user named is not in the file.
        public static let notFound = Code(name: "notFound")
        /// A key that must be there is missing or empty.
        public static let missingKey = Code(name: "missingKey")
        /// A value is there but wrong (bad base64, a server that is not a URL).
        public static let invalidValue = Code(name: "invalidValue")
        /// exec or auth-provider plugins, basic auth: not supported here.
        public static let unsupported = Code(name: "unsupported")
        /// `insecure-skip-tls-verify` without the caller allowing it.
        public static let insecureRefused = Code(name: "insecureRefused")
        /// `KUBERNETES_SERVICE_HOST` / `_PORT` are not set: not running in a pod.
        public static let notInCluster = Code(name: "notInCluster")
    }

    public var code: Code
    /// The whole sentence, such as `kubeconfig /root/.kube/config: context 'x' not found`.
    public var message: String
    /// The file concerned.
    public var file: String?
    /// The key concerned, as a path: `users[alice].user.client-key-data`.
    public var key: String?
    /// The error underneath (a file system or YAML error).
    public var cause: (any Error & Sendable)?

    public init(
        _ code: Code, _ message: String, file: String? = nil, key: String? = nil,
        cause: (any Error & Sendable)? = nil
    ) {
        self.code = code
        self.message = message
        self.file = file
        self.key = key
        self.cause = cause
    }

    public var description: String { message }
}
