#!/usr/bin/env bash
# The soak: the node agent in the kernel lab under constant churn (SoakLabTests): config edits
# by rename and in place, a backend dying and returning, `ipvsadm -d`/`-e` on owned and foreign
# objects, /metrics scraped ten times a second and slow clients on a health port; the table
# checked against `ipvsadm -Sn` at every quiet point. Writes its figures as a Markdown table.
#
# Usage: Integration/soak.sh [SECONDS] [SERVICES] [SLOW_CLIENTS]   (default 1200 2000 200)
# Needs a debug build with tests (swift build --build-tests) and the lab (Integration/lab.sh setup);
# builds the release binary, which the agent runs as on a node (the test command's short soak runs
# the debug one).
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.."
seconds=${1:-1200} services=${2:-2000} slow=${3:-200}
report=Benchmarks/results/soak-$(date -u +%Y%m%d).md
mkdir -p "$(dirname "$report")"

swift build -c release --product ipvsctl-swift
# The guest starts with a clean environment: the settings go in through env(1).
Integration/lab.sh run -- env IPVSCTL_LAB_AGENT_BINARY="$PWD/.build/release/ipvsctl-swift" IPVSCTL_SOAK_SECONDS="$seconds" IPVSCTL_SOAK_SERVICES="$services" \
    IPVSCTL_SOAK_SLOW_CLIENTS="$slow" IPVSCTL_SOAK_REPORT="$PWD/$report" \
    .build/debug/ipvsctl-swiftPackageTests.xctest --testing-library swift-testing --filter SoakLabTests
echo "soak: figures in $report"
