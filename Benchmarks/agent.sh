#!/usr/bin/env bash
# The node agent at two table sizes, in the kernel lab
# (Benchmarks/Kernel/agent.py says how): from a health verdict, and from a one-service config
# edit, to the end of the kernel write; one
# full pass for comparison, resident memory and idle CPU. Writes Benchmarks/results/agent.json
# and agent.md. A benchmark, not a test: nothing fails on a slow number.
#
# Usage: Benchmarks/agent.sh [SERVICES,SERVICES] [ROUNDS]   (default 100,10000 and 5)
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.."
sizes=${1:-100,10000} rounds=${2:-5}
command -v wrk >/dev/null || apt-get install -y wrk
swift build -c release --product ipvsctl-swift
Integration/lab.sh run -- /usr/bin/python3 "$PWD/Benchmarks/Kernel/agent.py" --tool "$PWD/.build/release/ipvsctl-swift" \
    --services "$sizes" --rounds "$rounds" --out "$PWD/Benchmarks/results/agent.json" | tee Benchmarks/results/agent.md.tmp
grep '^|' Benchmarks/results/agent.md.tmp >Benchmarks/results/agent.md
rm -f Benchmarks/results/agent.md.tmp
