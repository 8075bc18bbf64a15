# shellcheck shell=bash
# Shared by the checks of what deploy/ ships for Prometheus (Integration/prometheus-rules.sh,
# Integration/grafana-dashboard.sh). Source it from the repository's root; it defines functions
# only.

# Installs promtool (Debian's `prometheus` package) when it is missing, without starting the
# server. $1 names the caller in messages. Returns non-zero when promtool cannot be had.
ensure_promtool() {
    local who=$1
    command -v promtool >/dev/null 2>&1 && return 0
    [[ $(id -u) -eq 0 ]] || { echo "$who: promtool is missing; run as root to install it" >&2; return 1; }
    echo "$who: installing promtool (Debian package prometheus)"
    export DEBIAN_FRONTEND=noninteractive
    # The package's postinst would start the server where no init system runs: forbid it.
    local added_policy="" status=0
    if [[ ! -e /usr/sbin/policy-rc.d ]]; then
        printf '#!/bin/sh\nexit 101\n' >/usr/sbin/policy-rc.d && chmod 0755 /usr/sbin/policy-rc.d
        added_policy=yes
    fi
    apt-cache show prometheus >/dev/null 2>&1 || apt-get -o DPkg::Lock::Timeout=600 -q update >&2
    apt-get -o DPkg::Lock::Timeout=600 -y -q install --no-install-recommends prometheus >&2 || status=$?
    [[ -z $added_policy ]] || rm -f /usr/sbin/policy-rc.d
    [[ $status -eq 0 ]] || { echo "$who: apt-get install prometheus failed ($status)" >&2; return 1; }
}

# The names the recording rules of a rule file ($1) record, one a line. The rule file's layout
# is ours: one `- record:` line opens each recording rule.
recorded_names() {
    sed -n 's/^ *- record: *\([A-Za-z0-9_:]*\) *$/\1/p' "$1"
}

# Succeeds when the metric name $1 is one the agent's code registers: its family's name (a
# histogram's series by the family, without _bucket, _sum or _count) is a string literal in
# Sources.
registered_metric() {
    local family
    family="$(sed -E 's/_(bucket|sum|count)$//' <<<"$1")"
    grep -rqF "\"$family\"" Sources
}
