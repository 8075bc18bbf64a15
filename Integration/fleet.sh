#!/usr/bin/env bash
# A fleet in one kernel: three "nodes", each a network namespace with its own IPVS table, on one
# L2 segment, each with two backends and a client namespace of its own, plus an outside client
# (standing for an external load balancer's traffic). Runs wherever IPVS is: inside the kernel
# lab (Integration/lab.sh run -- ...) or on a host whose kernel has it. Needs root and iproute2.
#
# Usage:
#   Integration/fleet.sh up PREFIX     build the topology; every namespace is named PREFIX-...
#   Integration/fleet.sh down PREFIX   remove it, kernel tables included; nothing is left behind
#   Integration/fleet.sh addresses     print the address plan (what the tests and demo rely on)
#
# Address plan (documentation ranges only):
#   fabric (bridge in PREFIX-fabric)  192.0.2.0/24: node-a .1, node-b .2, node-c .3, outside .250
#   backend K of node N               203.0.113.(32N + 4K + 2)/30, its node 203.0.113.(32N + 4K + 1)
#   client of node N                  198.51.100.(128 + 16N + 2)/30, its node 198.51.100.(128 + 16N + 1)
#   virtual IPs                       198.51.100.0/25 (cluster IPs), 203.0.113.192/26 (external IPs)
# Each node routes the other nodes' backend (/27) and client (/28) blocks through their fabric
# address, so that a masqueraded reply always returns through the node that rewrote the request.
#
# Namespaces: PREFIX-fabric, PREFIX-outside, PREFIX-node-X, PREFIX-node-X-b0, PREFIX-node-X-b1,
# PREFIX-node-X-client for X in a, b, c.
set -euo pipefail

readonly NODES=(a b c)
readonly BACKENDS_PER_NODE=2

die() { printf 'fleet: error: %s\n' "$*" >&2; exit 1; }

node_address()    { printf '192.0.2.%d' $((1 + $1)); }
backend_address() { printf '203.0.113.%d' $((32 * $1 + 4 * $2 + 2)); }
backend_gateway() { printf '203.0.113.%d' $((32 * $1 + 4 * $2 + 1)); }
client_address()  { printf '198.51.100.%d' $((128 + 16 * $1 + 2)); }
client_gateway()  { printf '198.51.100.%d' $((128 + 16 * $1 + 1)); }
readonly OUTSIDE_ADDRESS=192.0.2.250

# Every namespace of the fleet, in creation order.
namespaces() {
    local n k
    printf '%s\n' "$PREFIX-fabric" "$PREFIX-outside"
    for n in "${NODES[@]}"; do
        printf '%s\n' "$PREFIX-node-$n"
        for ((k = 0; k < BACKENDS_PER_NODE; k++)); do printf '%s\n' "$PREFIX-node-$n-b$k"; done
        printf '%s\n' "$PREFIX-node-$n-client"
    done
}

# The commands go to `ip -batch`, one process per namespace: under emulation starting `ip` costs
# far more than what it does, and the fleet takes about a hundred commands.
batch() {  # batch [NAMESPACE] < commands
    if [[ $# -eq 1 ]]; then ip -n "$1" -batch -; else ip -batch -; fi
}

# The fabric: a bridge, and one port for each node and for the outside client.
fabric_commands() {
    local member
    echo "link set lo up"
    echo "link add br0 type bridge"
    echo "link set br0 up"
    for member in outside "${NODES[@]/#/node-}"; do
        echo "link add p-$member type veth peer name eth0 netns $PREFIX-$member"
        echo "link set p-$member master br0 up"
    done
}

# A node: its fabric address, a link to each backend and to its client, and routes to the
# other nodes' backends and clients.
node_commands() {
    local n="$1" k m ns="$PREFIX-node-${NODES[$1]}"
    echo "link set lo up"
    echo "addr add $(node_address "$n")/24 dev eth0"
    echo "link set eth0 up"
    for ((k = 0; k < BACKENDS_PER_NODE; k++)); do
        echo "link add b$k type veth peer name eth0 netns $ns-b$k"
        echo "addr add $(backend_gateway "$n" "$k")/30 dev b$k"
        echo "link set b$k up"
    done
    echo "link add client type veth peer name eth0 netns $ns-client"
    echo "addr add $(client_gateway "$n")/30 dev client"
    echo "link set client up"
    for m in "${!NODES[@]}"; do
        [[ $m != "$n" ]] || continue
        echo "route add 203.0.113.$((32 * m))/27 via $(node_address "$m")"
        echo "route add 198.51.100.$((128 + 16 * m))/28 via $(node_address "$m")"
    done
}

# A namespace at the end of a link: its address and its way out.
leaf_commands() {  # leaf_commands ADDRESS/LEN [GATEWAY]
    echo "link set lo up"
    echo "addr add $1 dev eth0"
    echo "link set eth0 up"
    [[ -z ${2:-} ]] || echo "route add default via $2"
}

cmd_up() {
    namespaces | sed 's/^/netns add /' | batch
    fabric_commands | batch "$PREFIX-fabric"
    leaf_commands "$OUTSIDE_ADDRESS/24" | batch "$PREFIX-outside"
    local n k node
    for n in "${!NODES[@]}"; do
        node="$PREFIX-node-${NODES[$n]}"
        node_commands "$n" | batch "$node"
        ip netns exec "$node" sysctl -qw net.ipv4.ip_forward=1
        for ((k = 0; k < BACKENDS_PER_NODE; k++)); do
            leaf_commands "$(backend_address "$n" "$k")/30" "$(backend_gateway "$n" "$k")" | batch "$node-b$k"
        done
        leaf_commands "$(client_address "$n")/30" "$(client_gateway "$n")" | batch "$node-client"
    done
}

# The fleet's namespaces that exist now.
existing_namespaces() {
    ip netns list | awk -v prefix="$PREFIX-" 'index($1, prefix) == 1 { print $1 }'
}

cmd_down() {
    local existing ns
    existing="$(existing_namespaces)"
    [[ -n $existing ]] || return 0
    # Empty every IPVS table first: a namespace torn down with services in it makes concurrent
    # dumps in other namespaces repeat or skip entries (see docs/design.md, "What the kernel taught us").
    for ns in $(grep -E -- '-node-[a-z]$' <<<"$existing"); do
        ip netns exec "$ns" ipvsadm -C 2>/dev/null || true
    done
    # Whatever still runs in the fleet (peers, agents) goes with it: the processes whose network
    # namespace is one of ours, found by the namespace's inode.
    local inodes
    inodes="$(cd /run/netns && stat -L -c 'net:[%i]' $existing | paste -sd' ')"
    find /proc -maxdepth 3 -path '/proc/[0-9]*/ns/net' -printf '%l %p\n' 2>/dev/null \
        | awk -v inodes=" $inodes " 'index(inodes, " " $1 " ") { split($2, part, "/"); print part[3] }' \
        | xargs -r kill -9 2>/dev/null || true
    sed 's/^/netns delete /' <<<"$existing" | batch
}

cmd_addresses() {
    local n k
    printf 'outside %s\n' "$OUTSIDE_ADDRESS"
    for n in "${!NODES[@]}"; do
        printf 'node-%s %s client %s' "${NODES[$n]}" "$(node_address "$n")" "$(client_address "$n")"
        for ((k = 0; k < BACKENDS_PER_NODE; k++)); do printf ' b%d %s' "$k" "$(backend_address "$n" "$k")"; done
        printf '\n'
    done
}

[[ $# -ge 1 ]] || die "usage: $0 up PREFIX | down PREFIX | addresses"
case "$1" in
    up|down)
        [[ $# -eq 2 && $2 =~ ^[a-z0-9-]{1,20}$ ]] || die "usage: $0 $1 PREFIX (lower-case letters, digits, dashes; at most 20)"
        readonly PREFIX="$2"
        [[ $(id -u) -eq 0 ]] || die "must run as root"
        if [[ $1 == up ]]; then
            [[ -z $(existing_namespaces) ]] || die "namespaces $PREFIX-* exist already: run '$0 down $PREFIX' first"
            # A half-built fleet is removed, so that a failed 'up' leaves nothing behind either.
            trap 'status=$?; [[ $status -eq 0 ]] || cmd_down' EXIT
            cmd_up
        else
            cmd_down
        fi
        ;;
    addresses) cmd_addresses ;;
    *) die "unknown command $1" ;;
esac
