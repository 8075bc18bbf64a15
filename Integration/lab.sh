#!/usr/bin/env bash
# Kernel lab: run a command against a real Linux IPVS table.
#
# The host kernel of our build machines has no IPVS, so this script boots
# Debian's own kernel (which ships ip_vs and every scheduler as modules) under
# qemu with virtme-ng. The guest sees the host's filesystem (read-only, plus
# the project directory read-write), loads the IPVS modules, runs one command
# in the caller's directory and hands back its output and exit status.
#
# Usage:
#   Integration/lab.sh setup              install everything (idempotent, needs root)
#   Integration/lab.sh run -- CMD [ARG...] boot the kernel, run CMD inside, exit with its status
#
# Environment:
#   IPVSCTL_LAB_CACHE   where the Debian kernel is downloaded and extracted
#                       (default /var/cache/ipvsctl-swift-lab)
#   IPVSCTL_LAB_MEMORY  guest memory (default 2G)
#   IPVSCTL_LAB_CPUS    guest CPUs (default 2)

set -euo pipefail

readonly SCRIPT_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd -P)"
readonly PROJECT_DIR="$(cd "$SCRIPT_DIR/.." && pwd -P)"
readonly GUEST_INIT="$SCRIPT_DIR/guest-init.sh"
readonly CACHE_DIR="${IPVSCTL_LAB_CACHE:-/var/cache/ipvsctl-swift-lab}"
readonly GUEST_MEMORY="${IPVSCTL_LAB_MEMORY:-2G}"
readonly GUEST_CPUS="${IPVSCTL_LAB_CPUS:-2}"
readonly VNG_VERSION="1.42"

# systemd: the unit-file test runs systemd-analyze verify and security on the host;
# python3: the lab's traffic peers (Integration/peers) and the fake Kubernetes API server;
# python3-venv: the fake's fidelity check installs kubectl and the Python client in a venv;
# openssl: the fake's test certificates; libnftables-dev: the packet path's netfilter table;
# nftables: `nft`, the lab tests' witness of that table, and a rule that turns conntrack on in
# the conntrack lab test's namespace (IPVS alone registers no conntrack hooks, except for FTP);
# libnetfilter-conntrack-dev: the conntrack client; conntrack: its lab test's witness;
# libxxhash-dev: the config reload's hash of each service's text;
# libyaml-dev: libyaml, whose events the YAML module composes (the config file, kubeconfigs);
# prometheus: promtool for the alert rules' tests, and the server that scrapes a fleet in the
# lab (FleetLabTests; installed without starting its service, see install_apt_packages).
readonly APT_PACKAGES=(
    qemu-system-x86 udev busybox-static kmod cpio ipvsadm
    libnl-3-dev libnl-genl-3-dev libnl-route-3-dev iproute2 strace curl python3 python3-venv openssl systemd
    libnftables-dev nftables libnetfilter-conntrack-dev conntrack libxxhash-dev libyaml-dev prometheus
)

# Modules the guest loads, in this order, when the kernel has them.
# modprobe pulls in their dependencies (nf_conntrack, nf_defrag_*, libcrc32c...).
readonly GUEST_MODULES=(
    nf_conntrack nf_conntrack_netlink ip_vs
    ip_vs_rr ip_vs_wrr ip_vs_lc ip_vs_wlc ip_vs_lblc ip_vs_lblcr ip_vs_dh
    ip_vs_sh ip_vs_sed ip_vs_nq ip_vs_mh ip_vs_fo ip_vs_ovf ip_vs_twos
    veth dummy bridge
    nf_tables nft_ct nft_nat nft_masq nft_chain_nat nf_nat
)

export DEBIAN_FRONTEND=noninteractive

log() { printf 'lab: %s\n' "$*" >&2; }
die() { printf 'lab: error: %s\n' "$*" >&2; exit 1; }

usage() {
    cat >&2 <<EOF
usage: $0 setup
       $0 run -- COMMAND [ARG...]
EOF
    exit 2
}

now() { date +%s.%N; }
# Seconds elapsed since $1 (a value of now()), one decimal.
elapsed_since() { awk -v a="$1" -v b="$(now)" 'BEGIN { printf "%.1f", b - a }'; }

require_root() {
    [[ $(id -u) -eq 0 ]] || die "must run as root (apt, /lib/modules)"
}

# ---------------------------------------------------------------- apt packages

# dpkg-query, not `dpkg -s | grep -q`: under pipefail, grep leaving early made dpkg die of
# SIGPIPE on a long status (prometheus's), and an installed package looked missing.
missing_apt_packages() {
    local pkg
    for pkg in "${APT_PACKAGES[@]}"; do
        [[ $(dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null) == "install ok installed" ]] \
            || printf '%s\n' "$pkg"
    done
}

# apt-get with a wait on the dpkg lock, in case another install is running.
apt_get() {
    apt-get -o DPkg::Lock::Timeout=600 -y -q "$@"
}

install_apt_packages() {
    local missing
    missing="$(missing_apt_packages)"
    if [[ -z $missing ]]; then
        log "apt packages: all installed"
        return
    fi
    log "apt packages: installing $(echo $missing)"
    apt_get update >&2
    # Where no init system runs, a package's postinst would start its service (the prometheus
    # server) as a stray process: a policy-rc.d that refuses, for the install only.
    local policy=/usr/sbin/policy-rc.d added_policy="" status=0
    if [[ ! -e $policy ]]; then
        printf '#!/bin/sh\nexit 101\n' >"$policy" && chmod 0755 "$policy" && added_policy=yes
    fi
    # shellcheck disable=SC2086  # one word per package
    apt_get install --no-install-recommends $missing >&2 || status=$?
    [[ -z $added_policy ]] || rm -f "$policy"
    return "$status"
}

# ------------------------------------------------------------------ virtme-ng

vng_version_ok() {
    command -v vng >/dev/null 2>&1 || return 1
    [[ $(vng --version 2>/dev/null) == "virtme-ng $VNG_VERSION" ]]
}

install_virtme_ng() {
    if vng_version_ok; then
        log "virtme-ng $VNG_VERSION: installed"
        return
    fi
    log "virtme-ng: installing $VNG_VERSION from PyPI"
    local pip=(python3 -m pip)
    command -v pip >/dev/null 2>&1 && pip=(pip)
    local opts=(install --quiet --disable-pip-version-check "virtme-ng==$VNG_VERSION")
    if ! "${pip[@]}" "${opts[@]}" >&2; then
        # Debian's own python refuses global installs (PEP 668).
        log "virtme-ng: retrying with --break-system-packages"
        "${pip[@]}" "${opts[@]}" --break-system-packages >&2
    fi
    hash -r
    command -v pyenv >/dev/null 2>&1 && pyenv rehash 2>/dev/null || true
    vng_version_ok || die "vng $VNG_VERSION is not on PATH after pip install (PATH=$PATH)"
}

# --------------------------------------------------------------- Debian kernel
#
# Layout of the cache:
#   $CACHE_DIR/linux-image-VERSION_*.deb   the downloaded package
#   $CACHE_DIR/VERSION/                    dpkg -x of it (boot/, lib/modules/VERSION/)
#   $CACHE_DIR/VERSION/.complete           written once extraction and depmod succeeded
#   $CACHE_DIR/current                     the VERSION `run` boots

kernel_root()  { printf '%s/%s' "$CACHE_DIR" "$1"; }
kernel_image() { printf '%s/boot/vmlinuz-%s' "$(kernel_root "$1")" "$1"; }
kernel_mods()  { printf '%s/lib/modules/%s' "$(kernel_root "$1")" "$1"; }

kernel_is_extracted() {
    [[ -f "$(kernel_root "$1")/.complete" && -f "$(kernel_image "$1")" \
        && -f "$(kernel_mods "$1")/modules.dep" ]]
}

# The VERSION (e.g. 6.1.0-56-amd64) linux-image-amd64 currently points at.
debian_kernel_version() {
    apt-cache depends linux-image-amd64 2>/dev/null \
        | sed -n 's/^ *|\{0,1\}Depends: linux-image-\([0-9][^ ]*\)$/\1/p' \
        | head -n 1
}

current_kernel_version() {
    [[ -f "$CACHE_DIR/current" ]] && cat "$CACHE_DIR/current"
}

cached_deb() {
    find "$CACHE_DIR" -maxdepth 1 -name "linux-image-${1}_*.deb" | sort | tail -n 1
}

# Download linux-image-VERSION into the cache. Returns non-zero on failure.
download_kernel() {
    local version="$1" t0
    t0="$(now)"
    log "downloading kernel linux-image-$version ..."
    # apt-get download writes into the current directory; the _apt sandbox
    # user cannot write to a root-owned cache, so download as root.
    (cd "$CACHE_DIR" && apt_get -o APT::Sandbox::User=root download "linux-image-$version" >&2) \
        || return 1
    [[ -n $(cached_deb "$version") ]] || return 1
    log "downloaded $(basename "$(cached_deb "$version")") in $(elapsed_since "$t0")s"
}

extract_kernel() {
    local version="$1" root deb
    root="$(kernel_root "$version")"
    deb="$(cached_deb "$version")"
    log "extracting $(basename "$deb") into $root"
    rm -rf "$root" "$root.tmp"
    dpkg -x "$deb" "$root.tmp"
    [[ -d "$root.tmp/lib/modules/$version" ]] || die "$deb has no lib/modules/$version"
    [[ -f "$root.tmp/boot/vmlinuz-$version" ]] || die "$deb has no boot/vmlinuz-$version"
    mv "$root.tmp" "$root"
    log "depmod $version"
    depmod -b "$root" "$version"
    [[ -f "$(kernel_mods "$version")/modules.dep" ]] || die "depmod wrote no modules.dep"
    touch "$root/.complete"
}

# The guest must find its modules under /lib/modules/VERSION: virtme-ng's
# guest init mounts an empty tmpfs over /var/cache (and /var/tmp, /var/log...),
# so a symlink into the cache dangles inside the VM. We therefore copy the
# extracted tree there (hard links when on the same filesystem), kernel image
# included as /lib/modules/VERSION/vmlinuz: booting that path makes virtme-ng
# use the guest's own /lib/modules. The host runs another kernel, so that
# directory is otherwise unused; a marker file tells our copy from anything else.
readonly HOST_MODULES_MARKER=".ipvsctl-swift-lab"

host_modules_dir() { printf '/lib/modules/%s' "$1"; }
boot_image()       { printf '%s/vmlinuz' "$(host_modules_dir "$1")"; }

host_modules_ok() {
    local dir; dir="$(host_modules_dir "$1")"
    [[ ! -L $dir && -f $dir/$HOST_MODULES_MARKER && -f $dir/modules.dep && -f $dir/vmlinuz ]]
}

install_host_modules() {
    local version="$1" dir src
    dir="$(host_modules_dir "$version")"
    src="$(kernel_mods "$version")"
    if host_modules_ok "$version"; then
        log "modules: $dir in place"
        return
    fi
    [[ $version != "$(uname -r)" ]] \
        || die "the host itself runs $version: refusing to replace $dir"
    if [[ -L $dir && $(readlink -f "$dir") == "$(readlink -f "$src")" ]]; then
        rm "$dir"   # a symlink left by an earlier version of this script
    elif [[ -e $dir || -L $dir ]]; then
        die "$dir exists and is not this lab's copy (no $HOST_MODULES_MARKER): check it, remove it, rerun setup"
    fi
    log "modules: copying $src to $dir"
    mkdir -p /lib/modules
    rm -rf "$dir.lab-tmp"
    cp -al "$src" "$dir.lab-tmp" 2>/dev/null || { rm -rf "$dir.lab-tmp"; cp -a "$src" "$dir.lab-tmp"; }
    cp "$(kernel_image "$version")" "$dir.lab-tmp/vmlinuz"
    printf 'copied by %s from %s\n' "Integration/lab.sh" "$src" >"$dir.lab-tmp/$HOST_MODULES_MARKER"
    mv "$dir.lab-tmp" "$dir"
}

setup_kernel() {
    local version
    version="$(debian_kernel_version)"
    if [[ -z $version ]]; then
        # No package lists yet (or linux-image-amd64 unknown): refresh once.
        log "apt: no candidate for linux-image-amd64, running apt-get update"
        apt_get update >&2
        version="$(debian_kernel_version)"
    fi
    if [[ -z $version ]]; then
        version="$(current_kernel_version || true)"
        [[ -n $version ]] || die "cannot find the current Debian kernel (apt-cache depends linux-image-amd64)"
        log "apt: linux-image-amd64 unresolvable, keeping cached kernel $version"
    fi

    if kernel_is_extracted "$version"; then
        log "kernel $version: cached in $(kernel_root "$version")"
    else
        if [[ -z $(cached_deb "$version") ]] && ! download_kernel "$version"; then
            # Stale package lists can name a kernel the mirror no longer
            # carries (debian-security keeps only the newest): refresh, retry.
            log "download failed: refreshing package lists and retrying"
            apt_get update >&2
            version="$(debian_kernel_version)"
            [[ -n $version ]] || die "cannot find the current Debian kernel after apt-get update"
            kernel_is_extracted "$version" || [[ -n $(cached_deb "$version") ]] \
                || download_kernel "$version" || die "cannot download linux-image-$version"
        fi
        kernel_is_extracted "$version" || extract_kernel "$version"
    fi

    install_host_modules "$version"
    printf '%s\n' "$version" >"$CACHE_DIR/current"
    prune_old_kernels "$version"
}

# Remove what earlier setups left for other kernel versions (only our own copies).
prune_old_kernels() {
    local keep="$1" dir
    for dir in /lib/modules/*/; do
        dir="${dir%/}"
        [[ ${dir##*/} != "$keep" && -f $dir/$HOST_MODULES_MARKER && ! -L $dir ]] || continue
        log "removing old kernel copy $dir"
        rm -rf "$dir"
    done
    for dir in "$CACHE_DIR"/*/; do
        dir="${dir%/}"
        [[ ${dir##*/} != "$keep" && -f $dir/.complete ]] || continue
        log "removing old cached kernel $dir"
        rm -rf "$dir" "$CACHE_DIR/linux-image-${dir##*/}_"*.deb
    done
}

# ---------------------------------------------------------------------- setup

cmd_setup() {
    require_root
    # One setup at a time (parallel CI jobs on one machine).
    mkdir -p "$CACHE_DIR"
    exec 9>"$CACHE_DIR/.setup.lock"
    flock 9
    install_apt_packages
    install_virtme_ng
    setup_kernel
    log "setup done: kernel $(current_kernel_version), cache $CACHE_DIR"
}

# True when `run` can go ahead without calling setup (cheap checks only).
setup_is_done() {
    local version
    version="$(current_kernel_version 2>/dev/null)" || return 1
    [[ -n $version ]] && kernel_is_extracted "$version" || return 1
    host_modules_ok "$version" || return 1
    command -v qemu-system-x86_64 >/dev/null 2>&1 || return 1
    [[ -z $(missing_apt_packages) ]] || return 1
    vng_version_ok
}

# ------------------------------------------------------------------------ run

# Names from GUEST_MODULES that this kernel actually ships.
available_modules() {
    local version="$1" dep mod
    dep="$(host_modules_dir "$version")/modules.dep"   # what the guest sees
    for mod in "${GUEST_MODULES[@]}"; do
        # modules.dep lines start with "kernel/.../NAME.ko[.xz|.zst|.gz]:"
        if grep -Eq "(^|/)${mod}\.ko(\.[a-z]+)?:" "$dep"; then
            printf '%s\n' "$mod"
        else
            log "module $mod: not in kernel $version, skipped"
        fi
    done
}

# Quote one word for a POSIX shell: 'it'\''s'.
sh_quote() { printf "'%s'" "${1//\'/\'\\\'\'}"; }

cmd_run() {
    [[ $# -gt 0 ]] || usage
    if ! setup_is_done; then
        log "setup not done yet, running it"
        cmd_setup
    fi
    [[ -x $GUEST_INIT ]] || die "$GUEST_INIT is missing or not executable"

    local version caller_dir modules word guest_cmd
    version="$(current_kernel_version)"
    caller_dir="$(pwd -P)"
    modules="$(available_modules "$version" | paste -sd, -)"

    # guest-init.sh START_EPOCH CWD MODULES -- COMMAND...
    local start; start="$(now)"
    guest_cmd="exec $(sh_quote "$GUEST_INIT") $(sh_quote "$start") $(sh_quote "$caller_dir") $(sh_quote "$modules") --"
    for word in "$@"; do
        guest_cmd+=" $(sh_quote "$word")"
    done

    local vng_args=(
        --run "$(boot_image "$version")"
        --disable-kvm          # /dev/kvm here cannot boot the guest: use TCG
        --force-9p
        --memory "$GUEST_MEMORY"
        --cpus "$GUEST_CPUS"
        --cwd "$caller_dir"
        --rwdir "$PROJECT_DIR"
    )

    log "booting kernel $version (TCG, ${GUEST_CPUS} cpus, ${GUEST_MEMORY}) ..."
    # qemu reopens /proc/self/fd/1 and /proc/self/fd/2 with O_TRUNC: when the
    # caller redirects to a file, earlier output is lost and stdout/stderr
    # overwrite each other (NUL-filled holes). Hand it pipes instead.
    local status=0
    { { vng "${vng_args[@]}" --exec "$guest_cmd" </dev/null | cat >&3; } 2>&1 | cat >&2; } 3>&1 \
        || status=$?
    log "vm exited with status $status after $(elapsed_since "$start")s"
    return "$status"
}

# ----------------------------------------------------------------------- main

main() {
    [[ $# -gt 0 ]] || usage
    local cmd="$1"; shift
    case "$cmd" in
        setup)
            [[ $# -eq 0 ]] || usage
            cmd_setup
            ;;
        run)
            [[ ${1:-} == "--" ]] && shift
            cmd_run "$@"
            ;;
        -h|--help|help) usage ;;
        *) usage ;;
    esac
}

main "$@"
