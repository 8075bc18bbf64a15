#!/usr/bin/env bash
# The Prometheus rules of deploy/prometheus: promtool checks them and runs their unit tests, and
# this script checks what promtool does not: every alert has its `for:`, severity, summary,
# description and a runbook entry in docs/alerts.md, and is tested both firing and not firing;
# every recording rule is tested; every metric name the rules read or the tests feed is one the
# agent's code registers. Installs promtool (Debian's `prometheus` package) when it is
# missing, without starting the server. Exit status 0 only when everything passed.
#
# Usage: Integration/prometheus-rules.sh
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.."

readonly RULES=deploy/prometheus/ipvsctl-swift.rules.yml
readonly TESTS=(deploy/prometheus/tests/*.yml)
readonly RUNBOOK=docs/alerts.md

# shellcheck source=Integration/prometheus-common.sh
source Integration/prometheus-common.sh

fail() { printf 'prometheus-rules: %s\n' "$*" >&2; failures=$((failures + 1)); }
failures=0

ensure_promtool prometheus-rules || exit 1

promtool check rules "$RULES" || fail "promtool check rules failed"
promtool test rules "${TESTS[@]}" || fail "promtool test rules failed"

# What promtool does not check. The rule file's layout is ours: one `- alert:` or `- record:`
# line opens each rule, and its fields follow until the next rule or group.
alerts="$(sed -n 's/^ *- alert: *\([A-Za-z0-9_]*\) *$/\1/p' "$RULES")"
records="$(recorded_names "$RULES")"
[[ -n $alerts && -n $records ]] || fail "no alert or recording rule found in $RULES"

for alert in $alerts; do
    block="$(awk -v name="$alert" '
        $0 ~ "^ *- alert: *" name " *$" { inside = 1; next }
        inside && /^ *- (alert|record|name):/ { exit }
        inside { print }' "$RULES")"
    anchor="$(tr '[:upper:]' '[:lower:]' <<<"$alert")"
    grep -qE '^ *for: *[0-9]+[smh]' <<<"$block" || fail "$alert has no for:"
    grep -qE '^ *severity: *(critical|warning|info) *$' <<<"$block" || fail "$alert has no severity label"
    grep -qE '^ *summary: ' <<<"$block" || fail "$alert has no summary"
    grep -qE '^ *description: ' <<<"$block" || fail "$alert has no description"
    grep -qE "^ *runbook: *$RUNBOOK#$anchor *\$" <<<"$block" || fail "$alert has no runbook annotation $RUNBOOK#$anchor"
    grep -qE "^## $alert *\$" "$RUNBOOK" || fail "$RUNBOOK has no section '## $alert'"
    # Tested both ways: an alert_rule_test expecting it, and one expecting none.
    cases="$(awk -v name="$alert" '
        /alertname:/ { current = $2; next }
        /exp_alerts:/ && current == name { print ($2 == "[]") ? "quiet" : "firing"; current = "" }' "${TESTS[@]}")"
    grep -qx firing <<<"$cases" || fail "$alert is never tested firing"
    grep -qx quiet <<<"$cases" || fail "$alert is never tested not firing"
done

for record in $records; do
    grep -qE "^ *- expr: *${record}([{ ]|\$)" "${TESTS[@]}" || fail "recording rule $record is not tested"
done

# Every metric name that the rules read or the tests feed is one the agent's code registers
# (a histogram's series by its family's name); recorded names have colons and are ours.
metrics="$( { grep -ohP '(?<![:\w])ipvsctl_\w+(?![:\w])' "$RULES"
              sed -n "s/^ *- series: *'\(ipvsctl_[a-z_]*\){.*/\1/p" "${TESTS[@]}"; } | sort -u)"
for metric in $metrics; do
    registered_metric "$metric" || fail "$metric is not a metric the agent exports (Sources does not register it)"
done

printf 'prometheus-rules: %d alerts, %d recording rules, %d metric names, %d test files' \
    "$(wc -w <<<"$alerts")" "$(wc -w <<<"$records")" "$(wc -w <<<"$metrics")" "${#TESTS[@]}"
if [[ $failures -ne 0 ]]; then
    printf '; %d checks failed\n' "$failures"
    exit 1
fi
printf '; all checked\n'
