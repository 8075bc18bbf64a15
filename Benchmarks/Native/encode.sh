#!/usr/bin/env bash
# Times the encoding of a cold apply's requests natively (no kernel needed): builds
# EncodeHarness.swift against the release build's IPVSCore and IPVSWire (run
# `swift build -c release` first), then runs it (with --perf, under `perf record`).
#
# Usage: Benchmarks/Native/encode.sh [--perf] [SERVICES [ROUNDS]]
set -euo pipefail

readonly HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd -P)"
readonly ROOT="$(cd "$HERE/../.." && pwd -P)"
readonly WORK="$ROOT/Benchmarks/.work/native"
readonly RELEASE="$ROOT/.build/release"

perf=""
[[ ${1:-} == --perf ]] && { perf=1; shift; }
mkdir -p "$WORK"
[[ -d $RELEASE/Modules ]] || { echo "encode.sh: no release build (swift build -c release)" >&2; exit 2; }
swiftc -O -g -parse-as-library -module-name EncodeHarness -I "$RELEASE/Modules" "$HERE/EncodeHarness.swift" \
    "$RELEASE"/IPVSCore.build/*.o "$RELEASE"/IPVSWire.build/*.o -lm -o "$WORK/encode-harness"
if [[ -n $perf ]]; then
    perf record -g -o "$WORK/encode.perf.data" "$WORK/encode-harness" "$@"
    perf report -i "$WORK/encode.perf.data" --no-children --percent-limit 2 --stdio | head -60
else
    "$WORK/encode-harness" "$@"
fi
