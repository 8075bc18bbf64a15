# shellcheck shell=bash
# Sourced by the scripts of Packaging/: logging and installing missing Debian packages.
# The caller sets LOG_PREFIX (e.g. "deb") before sourcing.

log() { printf '%s: %s\n' "$LOG_PREFIX" "$*" >&2; }
die() { printf '%s: error: %s\n' "$LOG_PREFIX" "$*" >&2; exit 1; }

# need_apt_packages PKG...: installs those of PKG that are not installed (as root, without
# recommends, waiting for the dpkg lock). dpkg-query rather than `dpkg -s | grep`: under
# pipefail a grep that stops reading early can kill dpkg with SIGPIPE.
need_apt_packages() {
    local pkg missing=()
    for pkg in "$@"; do
        [[ $(dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null) == "install ok installed" ]] \
            || missing+=("$pkg")
    done
    [[ ${#missing[@]} -gt 0 ]] || return 0
    [[ $(id -u) -eq 0 ]] || die "missing Debian packages: ${missing[*]}; run as root to install them"
    log "installing Debian packages: ${missing[*]}"
    export DEBIAN_FRONTEND=noninteractive
    # No candidate yet (a machine whose package lists were never fetched): fetch them once.
    apt-cache show "${missing[@]}" >/dev/null 2>&1 \
        || apt-get -o DPkg::Lock::Timeout=600 -q update >&2
    apt-get -o DPkg::Lock::Timeout=600 -y -q install --no-install-recommends "${missing[@]}" >&2 \
        || die "apt-get install ${missing[*]} failed"
}
