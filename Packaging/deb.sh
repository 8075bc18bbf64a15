#!/usr/bin/env bash
# The Debian package of ipvsctl-swift, for Debian 12 (bookworm) on amd64: builds it from a
# release build, checks it with lintian, and installs, runs, removes and purges it in a fresh
# Debian 12 root made by debootstrap, in a chroot. What it contains and why: Packaging/README.md.
#
# Usage: Packaging/deb.sh [all|build|lint|test]   (default all: build, then lint, then test)
#   build   swift build -c release --static-swift-stdlib, strip, man page and completions
#           (Packaging/docs.sh), ipvsctl-swift_VERSION_amd64.deb in the package's root folder
#   lint    lintian on that .deb: passes with no error and no warning
#   test    the install test in a chroot (needs root and Debian's mirror)
#
# Installs what it needs from Debian (dpkg-dev, binutils, lintian, debootstrap, the C libraries'
# development packages...). Needs a Swift 6.1 toolchain or later on PATH, for `build`.
#
# Environment:
#   IPVSCTL_DEB_CACHE    where the debootstrap root is kept as a tarball between runs
#                        (default /var/cache/ipvsctl-swift-lab/deb)
#   IPVSCTL_DEB_MIRROR   the Debian mirror (default http://deb.debian.org/debian)
#   DEBFULLNAME, DEBEMAIL  the package's Maintainer field (default: git config user.name/email)
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.."
LOG_PREFIX=deb
source Packaging/lib.sh

readonly NAME=ipvsctl-swift
readonly STAGE=.build/deb/root
readonly CACHE_DIR="${IPVSCTL_DEB_CACHE:-/var/cache/ipvsctl-swift-lab/deb}"
readonly MIRROR="${IPVSCTL_DEB_MIRROR:-http://deb.debian.org/debian}"
readonly SUITE=bookworm
export SOURCE_DATE_EPOCH="${SOURCE_DATE_EPOCH:-$(git log -1 --format=%ct 2>/dev/null || date +%s)}"

# The build's dependencies: the C libraries' headers and the package tools (strip from
# binutils, dpkg-shlibdeps from dpkg-dev). Packaging/docs.sh installs its own.
readonly BUILD_PACKAGES=(
    libnl-3-dev libnl-genl-3-dev libnl-route-3-dev libnftables-dev libnetfilter-conntrack-dev libxxhash-dev
    libyaml-dev
    dpkg-dev binutils git
)

version() { "$1" --version; }
deb_path() { printf '%s_%s_amd64.deb\n' "$NAME" "$1"; }
release_binary() { printf '%s/%s\n' "$(swift build -c release --show-bin-path)" "$NAME"; }

# ------------------------------------------------------------------------------------ build

build() {
    need_apt_packages "${BUILD_PACKAGES[@]}"
    local start binary version
    start=$(date +%s)
    log "swift build -c release --static-swift-stdlib --product $NAME"
    swift build -c release --static-swift-stdlib --product "$NAME" >&2
    log "release build: $(($(date +%s) - start)) s"
    binary="$(release_binary)"
    version="$(version "$binary")"
    [[ $version =~ ^[0-9]+\.[0-9]+\.[0-9]+$ ]] || die "$binary --version: '$version' is no version"

    rm -rf "$STAGE" .build/deb/docs
    mkdir -p "$STAGE"
    # The man page and completions, generated from the binary we package.
    Packaging/docs.sh "$binary" .build/deb/docs

    local doc="$STAGE/usr/share/doc/$NAME"
    install -d -m 0755 "$STAGE/usr/bin" "$STAGE/lib/systemd/system" "$STAGE/usr/lib/modules-load.d" \
        "$STAGE/usr/share/man/man1" "$STAGE/usr/share/bash-completion/completions" \
        "$STAGE/usr/share/zsh/vendor-completions" "$STAGE/usr/share/fish/vendor_completions.d" \
        "$doc/examples" "$STAGE/usr/share/lintian/overrides" "$STAGE/DEBIAN"

    # The binary, stripped the way dh_strip strips an executable.
    install -m 0755 "$binary" "$STAGE/usr/bin/$NAME"
    strip --remove-section=.comment --remove-section=.note "$STAGE/usr/bin/$NAME"
    log "binary: $(stat -c %s "$binary") bytes unstripped, $(stat -c %s "$STAGE/usr/bin/$NAME") stripped"
    "$STAGE/usr/bin/$NAME" --version >/dev/null || die "the stripped binary does not run"

    # The repo's unit runs /usr/local/bin/ipvsctl-swift (an install from source); the package's
    # binary is /usr/bin/ipvsctl-swift. Only that line differs.
    sed 's|^ExecStart=/usr/local/bin/|ExecStart=/usr/bin/|' systemd/$NAME.service >"$STAGE/lib/systemd/system/$NAME.service"
    [[ $(diff systemd/$NAME.service "$STAGE/lib/systemd/system/$NAME.service" | grep -c '^>') -eq 1 ]] \
        && ! grep -q /usr/local/ "$STAGE/lib/systemd/system/$NAME.service" \
        || die "systemd/$NAME.service: expected one ExecStart=/usr/local/bin/ line to rewrite"
    install -m 0644 systemd/modules-load.d/$NAME.conf "$STAGE/usr/lib/modules-load.d/"

    gzip -9n <".build/deb/docs/$NAME.1" >"$STAGE/usr/share/man/man1/$NAME.1.gz"
    # bash-completion sources the script: the generator's #!/bin/bash line has no use there.
    sed '1{/^#!/d}' ".build/deb/docs/$NAME.bash" >"$STAGE/usr/share/bash-completion/completions/$NAME"
    install -m 0644 ".build/deb/docs/_$NAME" "$STAGE/usr/share/zsh/vendor-completions/_$NAME"
    install -m 0644 ".build/deb/docs/$NAME.fish" "$STAGE/usr/share/fish/vendor_completions.d/$NAME.fish"

    # Every example that is a valid config (invalid.yaml shows validate's errors; not a config).
    local example
    for example in examples/*.yaml; do
        [[ $example == examples/invalid.yaml ]] || install -m 0644 "$example" "$doc/examples/"
    done
    install -m 0644 Packaging/copyright "$doc/copyright"
    changelog "$version" | gzip -9n >"$doc/changelog.gz"
    install -m 0644 Packaging/lintian-overrides "$STAGE/usr/share/lintian/overrides/$NAME"

    local script
    for script in postinst prerm postrm; do
        install -m 0755 "Packaging/$script" "$STAGE/DEBIAN/$script"
    done
    control "$version" >"$STAGE/DEBIAN/control"
    (cd "$STAGE" && find . -path ./DEBIAN -prune -o -type f -printf '%P\0' | LC_ALL=C sort -z \
        | xargs -0 md5sum) >"$STAGE/DEBIAN/md5sums"
    chmod 0644 "$STAGE/DEBIAN/control" "$STAGE/DEBIAN/md5sums"

    local deb
    deb="$(deb_path "$version")"
    dpkg-deb --root-owner-group -Zxz --build "$STAGE" "$deb" >&2
    log "$deb: $(stat -c %s "$deb") bytes; $(($(date +%s) - start)) s in all"
    dpkg-deb --info "$deb" >&2
}

# The Depends: field, from what the stripped binary links (dpkg-shlibdeps reads a control file).
depends() {
    local dir
    dir="$(mktemp -d)"
    mkdir "$dir/debian"
    printf 'Source: %s\n\nPackage: %s\nArchitecture: amd64\n' "$NAME" "$NAME" >"$dir/debian/control"
    (cd "$dir" && dpkg-shlibdeps -O "$OLDPWD/$STAGE/usr/bin/$NAME") | sed -n 's/^shlibs:Depends=//p'
    rm -rf "$dir"
}

maintainer() {
    printf '%s <%s>\n' "${DEBFULLNAME:-$(git config user.name)}" "${DEBEMAIL:-$(git config user.email)}"
}

# procps: /bin/kill, the unit's ExecReload= (not in a minimal Debian 12, such as debootstrap's).
control() {
    cat <<EOF
Package: $NAME
Version: $1
Architecture: amd64
Maintainer: $(maintainer)
Installed-Size: $(du -sk --exclude=DEBIAN "$STAGE" | cut -f1)
Depends: $(depends), procps
Section: net
Priority: optional
Description: IPVS manager for bare-metal Linux fleets
 Makes the kernel's IPVS table match a declared set of Kubernetes-style
 services on every node: minimal changes, never a flush, never touching
 rules it did not create. validate, diff and apply a YAML config, list the
 table, or run the node agent, which reconciles continuously, health-checks
 endpoints and serves Prometheus metrics.
 .
 The agent's systemd unit is installed but neither enabled nor started: it
 needs /etc/ipvsctl-swift/config.yaml, which the operator writes.
EOF
}

# A native package's changelog: this version, dated by the commit it was built from.
changelog() {
    cat <<EOF
$NAME ($1) unstable; urgency=medium

  * Release $1, built from commit $(git rev-parse --short=12 HEAD).

 -- $(maintainer)  $(date -u -R -d "@$SOURCE_DATE_EPOCH")
EOF
}

# ------------------------------------------------------------------------------------- lint

lint() {
    need_apt_packages lintian
    local deb
    deb="$(deb_path "$(version "$(release_binary)")")"
    [[ -f $deb ]] || die "$deb: missing (run $0 build first)"
    log "lintian $deb"
    # An accepted tag is overridden in Packaging/lintian-overrides, with its reason, and shown
    # (O: and N: lines); any error (E:) or warning (W:) fails. Informational tags are not shown.
    local report
    report="$(lintian --fail-on none --show-overrides "$deb" 2>&1)" || die "lintian did not run: $report"
    printf '%s\n' "$report" >&2
    ! grep -qE '^(E|W): ' <<<"$report" || die "lintian found errors or warnings"
    log "lintian: no error, no warning"
}

# ------------------------------------------------------------------------------------- test

# A Debian 12 root: debootstrap once, then unpacked fresh for every run from the cached tarball.
# man-db and systemd are in it, as on any Debian 12 machine: the test needs `man` and
# `systemd-analyze`.
fresh_root() {
    local root="$1" tarball="$CACHE_DIR/debian12-minbase.tar.gz"
    if [[ ! -f $tarball ]]; then
        need_apt_packages debootstrap
        log "debootstrap $SUITE (once; cached as $tarball)"
        local tmp="$CACHE_DIR/debootstrap.tmp"
        rm -rf "$tmp" && mkdir -p "$tmp"
        debootstrap --variant=minbase --include=man-db,systemd "$SUITE" "$tmp" "$MIRROR" >&2 \
            || die "debootstrap failed"
        cat >"$tmp/etc/apt/sources.list" <<EOF
deb $MIRROR $SUITE main
deb $MIRROR $SUITE-updates main
deb ${MIRROR%/debian}/debian-security $SUITE-security main
EOF
        rm -rf "$tmp/var/cache/apt/archives/"*.deb
        tar -C "$tmp" -czf "$tarball.tmp" . && mv "$tarball.tmp" "$tarball"
        rm -rf "$tmp"
    fi
    tar -C "$root" -xzf "$tarball"
}

# Every path in the root but the kernel's file systems and apt's and dpkg's own bookkeeping.
snapshot() {
    (cd "$1" && find . -xdev \( -path ./proc -o -path ./sys -o -path ./dev -o -path ./run -o -path ./tmp \
        -o -path ./var/cache -o -path ./var/log -o -path ./var/lib/apt -o -path ./var/lib/dpkg \) -prune \
        -o -print) | LC_ALL=C sort
}

test_install() {
    [[ $(id -u) -eq 0 ]] || die "the install test needs root (debootstrap, chroot)"
    local deb
    deb="$(deb_path "$(version "$(release_binary)")")"
    [[ -f $deb ]] || die "$deb: missing (run $0 build first)"
    mkdir -p "$CACHE_DIR"
    local root owner
    root="$(mktemp -d /var/tmp/$NAME-deb-test.XXXXXX)"
    # shellcheck disable=SC2064
    trap "umount -R '$root/proc' '$root/dev' 2>/dev/null || true; rm -rf --one-file-system '$root'" EXIT
    fresh_root "$root"
    mount -t proc proc "$root/proc"
    mount --rbind /dev "$root/dev" && mount --make-rslave "$root/dev"
    cp /etc/resolv.conf "$root/etc/resolv.conf"
    cp "$deb" "$root/tmp/"
    in_root() { chroot "$root" env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin LANG=C.UTF-8 DEBIAN_FRONTEND=noninteractive "$@"; }
    local failures=0
    check() { # check DESCRIPTION COMMAND...: runs it, logs ok or FAILED.
        local what="$1"; shift
        if "$@" >&2; then log "ok: $what"; else log "FAILED: $what"; failures=$((failures + 1)); fi
    }

    in_root apt-get -q update >&2
    # systemd makes this directory for any DynamicUser= service's state; ours lives in it.
    install -d -m 0700 "$root/var/lib/private"
    snapshot "$root" >"$root/tmp/before"

    log "apt install ./$deb"
    in_root apt-get -y -q install "./tmp/$deb" >&2 || die "apt install ./$deb failed"
    in_root dpkg -L "$NAME" >"$root/tmp/files"
    log "installed: $(grep -c . "$root/tmp/files") paths; depends: $(in_root dpkg-query -W -f='${Depends}' "$NAME")"

    check "ipvsctl-swift --version" in_root "$NAME" --version
    local example
    for example in "$root/usr/share/doc/$NAME/examples/"*.yaml; do
        check "validate --config of the shipped $(basename "$example")" \
            in_root "$NAME" validate --config "/usr/share/doc/$NAME/examples/$(basename "$example")"
    done
    check "man finds the page" in_root man -w "$NAME"
    check "man renders the page, with validate's exit status" \
        bash -c "chroot '$root' env MANPAGER=cat MANWIDTH=100 man $NAME 2>&1 | grep -q 'Exit status: 0 valid, 1 invalid'"
    check "systemd-analyze verify of the installed unit" \
        in_root systemd-analyze verify "/lib/systemd/system/$NAME.service"
    check "the installed unit runs /usr/bin/$NAME" grep -q "^ExecStart=/usr/bin/$NAME run " "$root/lib/systemd/system/$NAME.service"
    check "the bash completion loads" in_root bash -c ". /usr/share/bash-completion/completions/$NAME && complete -p $NAME"
    check "the unit is neither enabled nor started" \
        bash -c "[[ ! -e '$root/etc/systemd/system/multi-user.target.wants/$NAME.service' ]] \
            && [[ \$(chroot '$root' systemctl is-enabled $NAME.service 2>&1) == disabled ]]"
    check "modules-load.d names ip_vs" grep -qx ip_vs "$root/usr/lib/modules-load.d/$NAME.conf"

    # The operator enables the unit, and the agent (or a root `apply`) writes its ledger, as
    # systemd lays it out for DynamicUser=: purge must take all of it away.
    in_root systemctl enable "$NAME.service" >&2
    install -d -m 0700 "$root/var/lib/private/$NAME"
    echo '{}' >"$root/var/lib/private/$NAME/ledger.json"
    ln -s "private/$NAME" "$root/var/lib/$NAME"

    log "apt remove $NAME"
    in_root apt-get -y -q remove "$NAME" >&2
    local left
    left="$(while read -r path; do
        if [[ -e $root$path && ! -d $root$path ]]; then printf '%s\n' "$path"; fi
    done <"$root/tmp/files")"
    check "apt remove leaves none of the package's files" test -z "$left"
    check "apt remove keeps the ledger" test -e "$root/var/lib/private/$NAME/ledger.json"

    log "apt purge $NAME"
    in_root apt-get -y -q purge "$NAME" >&2
    snapshot "$root" >"$root/tmp/after"
    # What is new since before the install, and that no installed package owns: the libraries
    # apt pulled in stay, as after any apt remove, and so do the boot links that update-rc.d
    # made for a dependency's init script (procps's).
    left="$(LC_ALL=C comm -13 "$root/tmp/before" "$root/tmp/after" | sed 's|^\.||' | while read -r path; do
        owner="$path"
        if [[ $path =~ ^/etc/rc[0-6S]\.d/[SK][0-9][0-9](.+)$ ]]; then owner="/etc/init.d/${BASH_REMATCH[1]}"; fi
        # Debian 12's dpkg knows /bin, /sbin and /lib by those names, aliases of /usr's.
        in_root dpkg -S "$owner" >/dev/null 2>&1 || in_root dpkg -S "${owner#/usr}" >/dev/null 2>&1 \
            || printf '%s\n' "$path"
    done)"
    check "apt purge leaves nothing of ours (new, unowned paths: ${left:-none})" test -z "$left"
    check "nothing named $NAME is left" \
        bash -c "! (cd '$root' && find . -xdev \( -path ./proc -o -path ./dev -o -path ./tmp \) -prune -o -name '*$NAME*' -print | grep .)"
    check "dpkg has forgotten the package" bash -c "! chroot '$root' dpkg -s $NAME >/dev/null 2>&1"

    if [[ $failures -gt 0 ]]; then
        die "install test: $failures check(s) failed"
    fi
    log "install test: all checks passed"
}

case "${1:-all}" in
all) build; lint; test_install ;;
build) build ;;
lint) lint ;;
test) test_install ;;
*) echo "usage: $0 [all|build|lint|test]" >&2; exit 2 ;;
esac
