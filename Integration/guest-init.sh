#!/bin/sh
# Runs inside the lab VM (see lab.sh): loads the IPVS modules, makes the
# directories `ip netns` needs writable, then runs the caller's command in the
# caller's directory and exits with its status.
#
# Usage: guest-init.sh START_EPOCH CWD MODULE[,MODULE...] -- COMMAND [ARG...]
set -eu

start="$1" cwd="$2" modules="$3"
shift 3
[ "${1:-}" = "--" ] && shift

log() { printf 'lab(guest): %s\n' "$*" >&2; }

# Seconds since the host started the VM (guest clock comes from the host RTC).
ready=$(awk -v a="$start" -v b="$(date +%s.%N)" 'BEGIN { printf "%.1f", b - a }')
uptime=$(cut -d' ' -f1 /proc/uptime)

# Load the modules one by one so that a failure names its module.
t0=$(cut -d' ' -f1 /proc/uptime)
old_ifs=$IFS; IFS=,
for mod in $modules; do
    modprobe "$mod" || { log "modprobe $mod failed"; exit 125; }
done
IFS=$old_ifs
t1=$(cut -d' ' -f1 /proc/uptime)

# `ip netns add` bind-mounts under /run/netns (/var/run -> /run): make sure it
# can be created, even if /run came up read-only.
if ! mkdir -p /run/netns 2>/dev/null || ! [ -w /run/netns ]; then
    mount -t tmpfs -o mode=0755 tmpfs /run
    mkdir -p /run/netns
fi
[ -w /tmp ] || mount -t tmpfs -o mode=1777 tmpfs /tmp

log "guest up ${ready}s after boot began (kernel uptime ${uptime}s); modules loaded in $(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.1f", b - a }')s"
cd "$cwd"
exec "$@"
