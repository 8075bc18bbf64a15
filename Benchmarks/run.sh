#!/usr/bin/env bash
# Runs every benchmark and publishes the numbers:
#   1. a release build of ipvsctl-swift;
#   2. the host microbenchmarks (Benchmarks/Package.swift, ordo-one/benchmark) and the
#      memory probe: planner, config, metrics, bytes per real server; no kernel needed;
#   3. one boot of the kernel lab, where ipvsctl-swift, `ipvsadm` and (when given) the floor
#      apply and read the same workloads side by side, each in fresh network namespaces;
#   4. the table (medians, ratios, system-call counts) on stdout, as JSON and as Markdown.
#
# Usage: Benchmarks/run.sh [--full] [--runs N] [--floor FILE.c] [--no-strace] [--host-only | --kernel-only]
#   --full        10,000 services x 10 real servers instead of 2,000 x 10
#   --runs N      timed rounds in the VM (default 5); the median is reported
#   --floor FILE  C source of the floor (ipvs-floor.c, raw batched netlink), compiled here;
#                 also $IPVS_FLOOR_SOURCE. Without it the floor column is left out.
#   --no-strace   skip the system-call counting pass (the slowest part of a --full run)
#   --out FILE    where the JSON goes (default Benchmarks/results/ci.json, or full.json)
# Benchmarks, not tests: nothing here fails on a slow number.
set -euo pipefail

readonly BENCH_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd -P)"
readonly ROOT_DIR="$(cd "$BENCH_DIR/.." && pwd -P)"
readonly WORK="$BENCH_DIR/.work"   # git-ignored; inside the project, so the lab VM sees it

services=2000 runs=5 size=ci host=1 kernel=1 out="" trace=()
floor_source="${IPVS_FLOOR_SOURCE:-}"
while [[ $# -gt 0 ]]; do
    case "$1" in
        --full) services=10000 size=full ;;
        --runs) runs="$2"; shift ;;
        --floor) floor_source="$2"; shift ;;
        --out) out="$2"; shift ;;
        --no-strace) trace=(--no-strace) ;;
        --host-only) kernel=0 ;;
        --kernel-only) host=0 ;;
        -h|--help) sed -n '2,18p' "${BASH_SOURCE[0]}"; exit 0 ;;
        *) echo "run.sh: unknown argument $1 (try --help)" >&2; exit 2 ;;
    esac
    shift
done
out="${out:-$BENCH_DIR/results/$size.json}"

log() { printf '\n== %s\n' "$*" >&2; }
mkdir -p "$WORK" "$(dirname "$out")"
# A part that is not run keeps its last results in the report.
[[ $host == 0 ]] || rm -rf "$WORK/host" "$WORK/memory.json"
[[ $kernel == 0 ]] || rm -f "$WORK/kernel.json"

if [[ $kernel == 1 ]]; then
    log "release build of ipvsctl-swift"
    (cd "$ROOT_DIR" && swift build -c release --product ipvsctl-swift)
    floor_binary=()
    if [[ -n $floor_source ]]; then
        [[ -f $floor_source ]] || { echo "run.sh: no floor source at $floor_source" >&2; exit 2; }
        log "compiling the floor from $floor_source"
        gcc -O2 -o "$WORK/ipvs-floor" "$floor_source"
        floor_binary=(--floor "$WORK/ipvs-floor")
    else
        log "floor: no source given (--floor FILE.c or IPVS_FLOOR_SOURCE): its column is left out"
    fi
fi

if [[ $host == 1 ]]; then
    log "host microbenchmarks (ordo-one/benchmark)"
    (cd "$BENCH_DIR" && swift package --allow-writing-to-package-directory benchmark \
        --format histogramPercentiles --path "$WORK/host" --no-progress)
    log "memory per real server"
    (cd "$BENCH_DIR" && swift build -c release --product memory-probe)
    "$BENCH_DIR/.build/release/memory-probe" 10000 >"$WORK/memory.json"
fi

if [[ $kernel == 1 ]]; then
    log "kernel lab: $services services x 10 real servers, $runs rounds, side by side"
    "$ROOT_DIR/Integration/lab.sh" run -- /usr/bin/python3 "$BENCH_DIR/Kernel/sidebyside.py" \
        --tool "$ROOT_DIR/.build/release/ipvsctl-swift" "${floor_binary[@]}" \
        --services "$services" --runs "$runs" --out "$WORK/kernel.json" "${trace[@]}"
fi

log "results"
python3 "$BENCH_DIR/Kernel/report.py" --work "$WORK" --out "$out" --markdown "${out%.json}.md"
