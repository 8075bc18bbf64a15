#!/usr/bin/env bash
# `ipvsctl-swift selftest` on this machine, outside the kernel lab. Where the kernel has no
# IPVS (as on the machines the test command runs on), the report must say so with a FAIL and
# its fix, exit 1, and not crash; where IPVS is loaded, its line must be OK. Either way every
# line that is not OK carries a fix, the JSON parses, and the text ends with the counts.
#
# Usage: Integration/selftest-host.sh [BINARY]   (default .build/debug/ipvsctl-swift)
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.."
binary=${1:-.build/debug/ipvsctl-swift}

set +e
json=$("$binary" selftest --output json --state-dir "$(mktemp -d)/state")
json_status=$?
text=$("$binary" selftest --state-dir "$(mktemp -d)/state")
text_status=$?
set -e

if [[ -e /proc/net/ip_vs ]]; then expected_ipvs=OK; else expected_ipvs=FAIL; fi

SELFTEST_JSON=$json python3 - "$json_status" "$expected_ipvs" <<'PY'
import json, os, sys
status, expected_ipvs = int(sys.argv[1]), sys.argv[2]
report = json.loads(os.environ["SELFTEST_JSON"])
checks = report["checks"]
def fail(message):
    sys.exit(f"selftest-host: {message}\n{json.dumps(report, indent=1)}")
ipvs = [c for c in checks if c["check"] == "ipvs"]
if len(ipvs) != 1 or ipvs[0]["status"] != expected_ipvs:
    fail(f"expected one ipvs line with {expected_ipvs}")
if expected_ipvs == "FAIL" and "ip_vs" not in ipvs[0].get("fix", ""):
    fail("the ipvs FAIL does not say what to do about ip_vs")
if any(c["status"] == "FAIL" and not c.get("fix") for c in checks):
    fail("a FAIL line without a fix")
worst = "FAIL" if any(c["status"] == "FAIL" for c in checks) else "WARN" if any(c["status"] == "WARN" for c in checks) else "OK"
if report["status"] != worst or status != (1 if worst == "FAIL" else 0):
    fail(f"status {report['status']}, exit {status}, but the worst line is {worst}")
print(f"selftest-host: ipvs {ipvs[0]['status']} as expected ({ipvs[0]['detail']}); exit {status}; {len(checks)} checks")
PY

[[ $text_status -eq $json_status ]] || { echo "selftest-host: text exit $text_status, JSON exit $json_status" >&2; exit 1; }
grep -qE '^selftest: [0-9]+ OK, [0-9]+ WARN, [0-9]+ FAIL$' <<<"$text" \
    || { echo "selftest-host: the text report has no count line:" >&2; echo "$text" >&2; exit 1; }
grep -qE "^${expected_ipvs} +ipvs " <<<"$text" \
    || { echo "selftest-host: the text report has no ${expected_ipvs} ipvs line:" >&2; echo "$text" >&2; exit 1; }
