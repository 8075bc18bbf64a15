#!/usr/bin/env bash
# `apply` killed with SIGKILL after each of its kernel commands in turn, for a plan from nothing
# and for a mixed change, each followed by an apply that must converge (KilledApplyLabTests,
# with ipvsadm as the witness). About 40 minutes in the kernel lab under emulation, so it runs
# from here rather than from Integration/test.sh, which keeps the large plan killed at random
# points. Needs a debug build with tests and the lab (Integration/lab.sh setup).
#
# Usage: Integration/killed-apply.sh
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.."
exec Integration/lab.sh run -- .build/debug/ipvsctl-swiftPackageTests.xctest \
    --testing-library swift-testing --filter KilledApplyLabTests
