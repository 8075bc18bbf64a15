#!/usr/bin/env bash
# The whole test suite: unit tests on this machine, then every kernel-lab test against a real
# IPVS table inside the lab VM. Installs what it needs (apt packages, the lab kernel, virtme-ng).
# Exit status 0 only when both parts ran and passed, and no lab test was skipped.
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.."

echo "== setup: packages, lab kernel, virtme-ng"
Integration/lab.sh setup

echo "== lint (swift format, as .swift-format says)"
Integration/lint.sh

echo "== build"
swift build --build-tests

echo "== the binary links FoundationEssentials only, not Foundation or ICU (docs/design.md)"
if ldd .build/debug/ipvsctl-swift | grep -E 'lib(Foundation|FoundationInternationalization|_FoundationICU)\.so'; then
    echo "ipvsctl-swift links Foundation: a target or a dependency imports it" >&2
    exit 1
fi

echo "== unit tests (no kernel needed)"
swift test --skip-build --skip IPVSIntegrationTests

echo "== selftest on this machine (outside the lab: no IPVS here is a clear FAIL, not a crash)"
Integration/selftest-host.sh

echo "== man page and shell completions (generated from the debug binary, then checked)"
Packaging/docs.sh .build/debug/ipvsctl-swift .build/docs

echo "== Prometheus rules (promtool check rules, promtool test rules, runbooks, metric names)"
Integration/prometheus-rules.sh

echo "== Grafana dashboard (structure for import, promtool on every query, metric names, query tests)"
Integration/grafana-dashboard.sh

echo "== fake Kubernetes API server against real clients (kubectl, the official Python client, the API schemas)"
Integration/fake-apiserver/check.sh

echo "== kernel-lab tests (real IPVS, Debian kernel under qemu)"
lab_log=$(mktemp)
trap 'rm -f "$lab_log"' EXIT
set +e
# The short soak (60 s, 50 services) runs here; the long one runs from Integration/soak.sh. The
# apply killed at every step runs from Integration/killed-apply.sh (about 40 minutes under
# emulation); the large plan killed at random points stays here.
Integration/lab.sh run -- .build/debug/ipvsctl-swiftPackageTests.xctest \
    --testing-library swift-testing --filter IPVSIntegrationTests \
    --skip killedAtEveryStep 2>&1 | tee "$lab_log"
lab_status=${PIPESTATUS[0]}
set -e
if [[ $lab_status -ne 0 ]]; then
    echo "kernel-lab tests failed (exit $lab_status)" >&2
    exit "$lab_status"
fi
# A real-kernel test that did not run is a failure, not a pass.
if grep -qE '(Test|Suite) .* skipped|Test run with 0 tests' "$lab_log"; then
    echo "kernel-lab tests were skipped: that counts as a failure" >&2
    exit 1
fi
if ! grep -qE 'Test run with [1-9][0-9]* tests.* passed' "$lab_log"; then
    echo "kernel-lab tests did not report a passing run" >&2
    exit 1
fi
