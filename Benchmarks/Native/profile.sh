#!/usr/bin/env bash
# Profiles `list`'s read path natively, where the kernel has no IPVS: builds ReadHarness.swift
# against the release build's IPVSCore (run `swift build -c release` first) and IPVSWire as its
# sources are now, with
# list's printer and the captured kernel fixtures compiled in, then runs it (and, with --perf,
# under `perf record`; with --callgrind, under valgrind's callgrind).
#
# Usage: Benchmarks/Native/profile.sh [--perf | --callgrind] [SERVICES [ROUNDS]]
set -euo pipefail

readonly HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd -P)"
readonly ROOT="$(cd "$HERE/../.." && pwd -P)"
readonly WORK="$ROOT/Benchmarks/.work/native"
readonly RELEASE="$ROOT/.build/release"

mode=""
case "${1:-}" in --perf|--callgrind) mode="$1"; shift ;; esac
mkdir -p "$WORK"
[[ -d $RELEASE/Modules ]] || { echo "profile.sh: no release build (swift build -c release)" >&2; exit 2; }

# IPVSWire from its sources as they are now (the release build's may be older), as a module of
# its own so that what crosses the module boundary is what crosses it in the tool.
mkdir -p "$WORK/modules"
(cd "$WORK" && swiftc -O -g -wmo -parse-as-library -module-name IPVSWire -I "$RELEASE/Modules" -enable-testing \
    -emit-module -emit-module-path "$WORK/modules/IPVSWire.swiftmodule" -c -o "$WORK/IPVSWire.o" \
    $(find "$ROOT/Sources/IPVSWire" -name '*.swift'))
swiftc -O -g -parse-as-library -module-name ReadHarness -I "$WORK/modules" -I "$RELEASE/Modules" \
    "$HERE/ReadHarness.swift" \
    "$ROOT/Sources/ipvsctl-swift/Output/TableText.swift" "$ROOT/Sources/ipvsctl-swift/Output/TextOutput.swift" \
    "$ROOT/Tests/IPVSWireTests/Fixtures/Capture.swift" "$ROOT/Tests/IPVSWireTests/Fixtures/KernelCaptures.swift" \
    "$RELEASE"/IPVSCore.build/*.o "$WORK/IPVSWire.o" \
    -o "$WORK/read-harness"

case "$mode" in
    --perf) perf record -g -o "$WORK/perf.data" "$WORK/read-harness" "$@"
            perf report -i "$WORK/perf.data" --no-children --percent-limit 2 --stdio | head -60 ;;
    --callgrind) valgrind --tool=callgrind --callgrind-out-file="$WORK/callgrind.out" "$WORK/read-harness" "${1:-2000}" 1
                 callgrind_annotate "$WORK/callgrind.out" | head -40 ;;
    *) "$WORK/read-harness" "$@" ;;
esac
