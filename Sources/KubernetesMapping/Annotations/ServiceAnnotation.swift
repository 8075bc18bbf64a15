/// The annotations of ours a Service may carry, for what Kubernetes has no field for (like
/// kube-router's `kube-router.io/` annotations). Each overrides the agent's default
/// (`ServiceDefaults`, the config file's `defaults`) for that Service; a value that cannot be used is reported
/// (``MappingResult/annotationProblems``) and the default stays.
///
/// | annotation | value | default | meaning |
/// |---|---|---|---|
/// | `ipvsctl-swift.io/scheduler` | `rr`, `wrr`, `lc`, `wlc`, `lblc`, `lblcr`, `dh`, `sh`, `sed`, `nq`, `mh`, `fo`, `ovf`, `twos` | the agent's | The IPVS scheduler. |
/// | `ipvsctl-swift.io/scheduler-flags` | comma-separated: `sh-fallback`, `sh-port`, `mh-fallback`, `mh-port`, `one-packet`, `flag-1`, `flag-2`, `flag-3` | the agent's | Scheduler flags, as in the config file: `sh-*` only with `sh`, `mh-*` only with `mh`, `one-packet` only when every port is UDP. |
/// | `ipvsctl-swift.io/forwarding` | `masquerade`, `direct-route`, `tunnel` (IPIP) | the agent's | How packets reach the endpoints. `direct-route` and `tunnel` do not rewrite ports: where an endpoint listens on another port than its Service port, masquerade is used and this is reported. |
/// | `ipvsctl-swift.io/drain-seconds` | integer, 0–604800 | the agent's | How long a removed endpoint keeps its connections (weight 0) before it is deleted. |
/// | `ipvsctl-swift.io/panic-threshold` | number, 0–1 | the agent's | When more than this fraction of the checked endpoints fail together, all are kept. |
/// | `ipvsctl-swift.io/health-check` | `tcp`, `http`, `https`, `udp`, `dns` | the agent's | Probe the endpoints; a failed one leaves the kernel. `exec` is refused: an annotation must not run commands on the nodes. |
/// | `ipvsctl-swift.io/health-check-port` | integer, 1–65535 | the endpoint's port | The port probed. |
/// | `ipvsctl-swift.io/health-check-path` | path starting with `/` | `/` | `http` and `https` only. |
/// | `ipvsctl-swift.io/health-check-host` | string | the endpoint's address | The `Host` header; `http` and `https` only. |
/// | `ipvsctl-swift.io/health-check-expected-status` | `200-399` or `204` (within 100–599) | `200-399` | Healthy statuses; `http` and `https` only. |
/// | `ipvsctl-swift.io/health-check-query` | DNS name | | Required for `dns`: the name asked for. |
/// | `ipvsctl-swift.io/health-check-send` | string | | Required for `udp`: the payload. |
/// | `ipvsctl-swift.io/health-check-expect` | string | any reply | `udp` only: text the reply must contain. |
/// | `ipvsctl-swift.io/health-check-interval-seconds` | number, 0.001–86400 | `5` | Time between two probes of one endpoint. |
/// | `ipvsctl-swift.io/health-check-timeout-seconds` | number, 0.001–86400, at most the interval | `2`, or the interval when shorter | A probe that takes longer fails. |
/// | `ipvsctl-swift.io/health-check-rise` | integer, 1–100 | `2` | Consecutive successes that bring a failed endpoint back. |
/// | `ipvsctl-swift.io/health-check-fall` | integer, 1–100 | `3` | Consecutive failures that take a healthy endpoint out. |
///
/// The `health-check-*` keys refine the check of `health-check`, or the agent's default check
/// when the Service names none; without either they are reported and unused. A key of another
/// kind's probe (`health-check-path` on a `tcp` check) is reported and unused. Any other key
/// under `ipvsctl-swift.io/` is reported as unknown, so that a typo does not pass silently.
public enum ServiceAnnotation: String, Hashable, Sendable, CaseIterable {
    case scheduler
    case schedulerFlags = "scheduler-flags"
    case forwarding
    case drainSeconds = "drain-seconds"
    case panicThreshold = "panic-threshold"
    case healthCheck = "health-check"
    case healthCheckPort = "health-check-port"
    case healthCheckPath = "health-check-path"
    case healthCheckHost = "health-check-host"
    case healthCheckExpectedStatus = "health-check-expected-status"
    case healthCheckQuery = "health-check-query"
    case healthCheckSend = "health-check-send"
    case healthCheckExpect = "health-check-expect"
    case healthCheckIntervalSeconds = "health-check-interval-seconds"
    case healthCheckTimeoutSeconds = "health-check-timeout-seconds"
    case healthCheckRise = "health-check-rise"
    case healthCheckFall = "health-check-fall"

    /// What every annotation of ours starts with.
    public static let prefix = "ipvsctl-swift.io/"

    /// The full key, `ipvsctl-swift.io/<name>`.
    public var key: String { Self.prefix + rawValue }
}
