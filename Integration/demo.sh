#!/usr/bin/env bash
# ipvsctl-swift on a real kernel, in one command, on a fresh Debian 12 machine (as root):
# installs what is needed, builds, boots the kernel lab and shows a fleet of three nodes
# (Integration/fleet.sh) reading examples/fleet.yaml: diff, then apply, then the node agent on
# every node; traffic spread as the policies say; a backend failing and leaving; a blackholed
# service on /metrics; the backend coming back. Then the same fleet with the Kubernetes API as
# the source (a fake API server: no real one runs here): diff before the takeover, the agents
# watching it, PreferSameZone hints, an EndpointSlice scaled down and every node following.
#
# On a host whose own kernel has IPVS (modprobe ip_vs), skip the lab:
#   swift build && Integration/demo.sh --here
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

readonly PREFIX=demo
readonly TOOL=.build/debug/ipvsctl-swift
readonly CONFIG=examples/fleet.yaml
readonly NODES=(node-a node-b node-c)

step() { printf '\n\033[1m== %s\033[0m\n' "$*"; }
say()  { printf '   %s\n' "$*"; }
in_ns() { local ns="$1"; shift; ip netns exec "$PREFIX-$ns" "$@"; }

# One GET from a namespace: the backend's "NAME CLIENT-ADDRESS", or why it failed.
request() {
    in_ns "$1" curl -sS -m 3 "http://$2/" 2>&1 | sed 's/^curl: ([0-9]*) //' || true
}

metric() { in_ns "$1" curl -s "127.0.0.1:9469/metrics" | grep -E "^$2" || true; }

wait_for() {  # wait_for SECONDS DESCRIPTION COMMAND...
    local seconds="$1" what="$2"; shift 2
    local deadline=$((SECONDS + seconds))
    until "$@" >/dev/null 2>&1; do
        ((SECONDS < deadline)) || { echo "demo: timed out waiting until $what" >&2; exit 1; }
        sleep 0.5
    done
}

start_backend() {  # start_backend NODE K
    # Not through in_ns: $! must be the server itself (ip netns exec execs it), not a subshell.
    ip netns exec "$PREFIX-$1-b$2" python3 Integration/peers/lab_peers.py http-name 8080 "$1/b$2" >/dev/null 2>&1 &
    backend_pids["$1-b$2"]=$!
    disown  # killed on purpose later: no job notice in the output
    # The web servers (b1) also answer kube-system/dns's DNS-like queries on UDP 5353.
    if [[ $2 == 1 ]]; then
        ip netns exec "$PREFIX-$1-b$2" python3 Integration/peers/lab_peers.py udp-name 5353 "$1/b$2" >/dev/null 2>&1 &
        disown
    fi
}

in_lab() {
    state="$(mktemp -d)"  # global: the EXIT trap removes it
    declare -gA backend_pids=()
    trap 'Integration/fleet.sh down "$PREFIX" >/dev/null 2>&1 || true; rm -rf "$state"' EXIT
    Integration/fleet.sh down "$PREFIX" >/dev/null 2>&1 || true

    step "1. A fleet in one kernel: three nodes, each with its own IPVS table, two backends and a client"
    Integration/fleet.sh up "$PREFIX"
    Integration/fleet.sh addresses | sed 's/^/   /'
    local node k
    for node in "${NODES[@]}"; do for k in 0 1; do start_backend "$node" "$k"; done; done
    say "every backend answers \"NAME CLIENT-ADDRESS\" on port 8080"

    step "2. $TOOL validate, then diff on node-a: what apply would change (nothing changes yet)"
    "$TOOL" validate --config "$CONFIG"
    in_ns node-a "$TOOL" diff --config "$CONFIG" --node node-a --state-dir "$state/node-a" || true

    step "3. apply on node-a, and what ipvsadm reads back"
    in_ns node-a "$TOOL" apply --config "$CONFIG" --node node-a --state-dir "$state/node-a"
    in_ns node-a ipvsadm -Ln
    say "a second apply sends nothing:"
    in_ns node-a "$TOOL" apply --config "$CONFIG" --node node-a --state-dir "$state/node-a" | tail -n 1

    step "4. The node agent on every node: ipvsctl-swift run --node NODE (same file everywhere)"
    for node in "${NODES[@]}"; do
        IPVSCTL_LOG_LEVEL=error in_ns "$node" "$TOOL" run --config "$CONFIG" --node "$node" \
            --state-dir "$state/$node" --resync-interval 5 >"$state/$node.log" 2>&1 &
        disown
    done
    for node in "${NODES[@]}"; do
        wait_for 90 "$node's agent is ready" in_ns "$node" curl -sf 127.0.0.1:9469/readyz
        say "$node: ready"
    done
    sleep 2

    step "5. Cluster (default/web, rr): six requests from node-a's client spread over every node"
    for _ in 1 2 3 4 5 6; do say "$(request node-a-client 198.51.100.10)"; done

    step "6. Local (monitoring/collector): each node's client reaches its own node's collector"
    for node in "${NODES[@]}"; do say "from $node's client: $(request "$node-client" 198.51.100.20)"; done

    step "7. node-b's collector dies: its agent takes it out of the kernel; node-b refuses, never reroutes"
    kill -9 "${backend_pids[node-b-b0]}"
    wait_for 30 "node-b shows the collector as blackholed" \
        sh -c "ip netns exec $PREFIX-node-b curl -s 127.0.0.1:9469/metrics | grep -q 'ipvsctl_service_blackholed{.*collector\".*} 1'"
    say "from node-b's client: $(request node-b-client 198.51.100.20)"
    say "from node-a's client: $(request node-a-client 198.51.100.20)"
    say "node-b's /metrics:"
    metric node-b 'ipvsctl_(service_blackholed|blackholed_services)' | grep -Ev ' 0(\.0)?$' | sed 's/^/     /'
    say "node-a's /metrics:"
    metric node-a 'ipvsctl_blackholed_services' | sed 's/^/     /'
    say "monitoring/collector-nearby (PreferLocal) falls back instead: $(request node-b-client 198.51.100.21)"

    step "8. The collector comes back: the agent puts it back by itself"
    start_backend node-b 0
    wait_for 30 "node-b serves its collector again" sh -c "ip netns exec $PREFIX-node-b-client curl -sf -m 3 198.51.100.20 | grep -q node-b/b0"
    say "from node-b's client: $(request node-b-client 198.51.100.20)"
    metric node-b 'ipvsctl_blackholed_services' | sed 's/^/     /'

    step "9. External Local (default/shop): health ports for an external load balancer"
    local n
    for n in "${!NODES[@]}"; do
        say "${NODES[$n]} (192.0.2.$((n + 1)):30100) -> $(in_ns outside curl -s -m 3 -w ' HTTP %{http_code}' "http://192.0.2.$((n + 1)):30100/")"
    done
    in_ns outside ip route replace 203.0.113.200/32 via 192.0.2.1
    say "the outside client to the external IP through node-a: $(request outside 203.0.113.200)"
    say "(the backend saw the client's own address, 192.0.2.250)"

    step "10. External Cluster (default/web on 203.0.113.210): the outside client through each node, masqueraded"
    for n in "${!NODES[@]}"; do
        in_ns outside ip route replace 203.0.113.210/32 via "192.0.2.$((n + 1))"
        local answers=() i
        for i in 1 2 3; do answers+=("$(request outside 203.0.113.210)"); done
        say "through ${NODES[$n]}: ${answers[*]}"
    done
    say "(every node's backend answers; each saw the receiving node's address, not 192.0.2.250)"
    say "node-a's nftables set of external addresses under Cluster (inet ipvsctl_swift, ours alone):"
    in_ns node-a nft list set inet ipvsctl_swift external_cluster_v4 | sed 's/^/     /'

    kubernetes_steps
    step "Done: the fleet is torn down, nothing is left behind."
}

kubernetes_steps() {
    local api=https://192.0.2.250:6443 certs="$state/certs" node
    step "11. The Kubernetes API as the source: a fake API server in the outside namespace serves the fleet as objects"
    pkill -f "$TOOL run --config $CONFIG" || true
    sleep 1
    Integration/fake-apiserver/make-certs.sh "$certs" 192.0.2.250 >/dev/null
    echo "demo-token" > "$state/token"
    ip netns exec "$PREFIX-outside" python3 Integration/fake-apiserver/fake_apiserver.py --quiet \
        --listen 192.0.2.250 --port 6443 --tls-cert "$certs/server.crt" --tls-key "$certs/server.key" \
        --token demo-token --objects examples/kubernetes/fleet.json >"$state/apiserver.log" 2>&1 &
    disown
    python3 Integration/fake-apiserver/fake_apiserver.py kubeconfig --server "$api" --ca "$certs/ca.crt" \
        --token-file "$state/token" -o "$state/kubeconfig"
    wait_for 30 "the fake API server answers" in_ns outside curl -sf --cacert "$certs/ca.crt" "$api/_fake/healthz"
    say "examples/kubernetes/fleet.json: Nodes with zones, four Services (Local, PreferSameZone, ClusterIP, LoadBalancer) and their EndpointSlices"
    say "diff on node-c before its agent takes over from the file (one consistent list, nothing written):"
    in_ns node-c "$TOOL" diff --kubeconfig "$state/kubeconfig" --config examples/kubernetes/fleet-defaults.yaml \
        --node node-c --state-dir "$state/node-c" | sed 's/^/   /' || true

    step "12. The agents watch the API server: run --kubeconfig FILE --config examples/kubernetes/fleet-defaults.yaml"
    for node in "${NODES[@]}"; do
        IPVSCTL_LOG_LEVEL=error in_ns "$node" "$TOOL" run --kubeconfig "$state/kubeconfig" \
            --config examples/kubernetes/fleet-defaults.yaml --node "$node" \
            --state-dir "$state/$node" --resync-interval 5 >"$state/$node-k8s.log" 2>&1 &
        disown
    done
    for node in "${NODES[@]}"; do
        wait_for 90 "$node's agent is ready" in_ns "$node" curl -sf 127.0.0.1:9469/readyz
        say "$node: ready; $(metric "$node" 'ipvsctl_kubernetes_objects{resource="services"}')"
    done
    sleep 3

    step "13. trafficDistribution: PreferSameZone (monitoring/collector-zone): node-a and node-b are zone-1, node-c is zone-2"
    for _ in 1 2 3 4; do say "from node-a's client: $(request node-a-client 198.51.100.22)"; done
    for _ in 1 2; do say "from node-c's client: $(request node-c-client 198.51.100.22)"; done

    step "14. default/web's EndpointSlice scaled down to node-a's backend: every node follows the watch"
    in_ns outside curl -sf --cacert "$certs/ca.crt" -X POST -H 'Content-Type: application/json' "$api/_fake/apply" --data-binary '
        {"apiVersion": "discovery.k8s.io/v1", "kind": "EndpointSlice",
         "metadata": {"name": "web-x1", "namespace": "default", "labels": {"kubernetes.io/service-name": "web"}},
         "addressType": "IPv4", "endpoints": [{"addresses": ["203.0.113.6"], "conditions": {"ready": true}, "nodeName": "node-a"}],
         "ports": [{"name": "http", "protocol": "TCP", "port": 8080}]}' >/dev/null
    for node in "${NODES[@]}"; do
        wait_for 30 "$node follows" sh -c "ip netns exec $PREFIX-$node ipvsadm -Sn | grep -c -- '-t 198.51.100.10:80 -r' | grep -qx 1"
        say "$node: $(in_ns "$node" ipvsadm -Sn | grep -- '-t 198.51.100.10:80 -r')"
    done
    say "from node-c's client: $(request node-c-client 198.51.100.10)"
    say "the change reached each kernel in (histogram count and sum, seconds):"
    for node in "${NODES[@]}"; do
        say "  $node: $(metric "$node" 'ipvsctl_desired_change_to_kernel_seconds_(sum|count)' | awk '{printf "%s ", $2}')"
    done
    pkill -f "$TOOL run --kubeconfig" || true
    pkill -f "fake_apiserver.py --quiet --listen 192.0.2.250" || true
}

if [[ "${1:-}" == "--in-lab" || "${1:-}" == "--here" ]]; then
    [[ -x $TOOL ]] || swift build
    in_lab
    exit 0
fi

Integration/lab.sh setup
swift build
Integration/lab.sh run -- Integration/demo.sh --in-lab
