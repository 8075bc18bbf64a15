#!/usr/bin/env bash
# A first look on a fresh Debian 12 machine: installs what is needed, builds ipvsctl-swift, boots
# the kernel lab and shows the tool reading a real IPVS table that ipvsadm wrote, as text and JSON.
# (The reconciler's diff/apply demo replaces this as those commands land.)
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

if [[ "${1:-}" == "--in-lab" ]]; then
    step() { printf '\n== %s\n' "$*"; }
    tool=.build/debug/ipvsctl-swift
    ip netns add demo
    trap 'ip netns delete demo' EXIT
    ip -n demo link add rs0 type dummy
    ip -n demo addr add 203.0.113.254/24 dev rs0
    ip -n demo link set rs0 up
    step "1. ipvsadm writes two virtual services into a fresh network namespace"
    ip netns exec demo ipvsadm -R <<'RULES'
-A -t 192.0.2.10:80 -s wrr
-a -t 192.0.2.10:80 -r 203.0.113.11:8080 -m -w 3
-a -t 192.0.2.10:80 -r 203.0.113.12:8080 -m -w 1
-A -u [2001:db8::53]:53 -s mh -b mh-fallback,mh-port
RULES
    step "2. ipvsctl-swift reads them back over generic netlink"
    "$tool" list --netns demo
    step "3. the same as JSON, for scripts"
    "$tool" list --netns demo --output json | head -n 30
    exit 0
fi

Integration/lab.sh setup
swift build
Integration/lab.sh run -- Integration/demo.sh --in-lab
if [[ ! -e /proc/net/ip_vs ]]; then
    printf '\n== 4. this machine'"'"'s own kernel has no IPVS: a clear error, never an empty table\n'
    .build/debug/ipvsctl-swift list || true
fi
