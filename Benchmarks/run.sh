#!/usr/bin/env bash
# Runs every benchmark and publishes the numbers:
#   1. a release build of ipvsctl-swift;
#   2. the host microbenchmarks (Benchmarks/Package.swift, ordo-one/benchmark) and the
#      memory probe: planner, config, metrics, bytes per real server; no kernel needed;
#   3. one boot of the kernel lab, where ipvsctl-swift, `ipvsadm` and (when given) the floor
#      apply and read the same workloads side by side, each in fresh network namespaces;
#   4. the table (medians, ratios, system-call counts) on stdout, as JSON and as Markdown;
#   5. the node agent at 100 services and at the run's size (Benchmarks/agent.sh): from a health
#      verdict and from a one-service config edit to the kernel, a full pass, memory, idle CPU,
#      the HTTP endpoints under load; results/agent.{json,md}.
#
# Usage: Benchmarks/run.sh [--full] [--runs N] [--floor FILE.c] [--no-strace] [--no-agent] [--host-only | --kernel-only]
#        Benchmarks/run.sh --sweep [--sizes LIST] [--runs N] [--floor FILE.c] [--tool-build static|dynamic]
#   --full        10,000 services x 10 real servers instead of 2,000 x 10
#   --runs N      timed rounds in the VM (default 5); the median is reported
#   --floor FILE  C source of the floor (ipvs-floor.c, raw batched netlink), compiled here;
#                 also $IPVS_FLOOR_SOURCE. Without it the floor column is left out.
#   --no-strace   skip the system-call counting pass (the slowest part of a --full run)
#   --no-agent    skip the agent benchmark (part 5; about 8 minutes at 10,000 services)
#   --out FILE    where the JSON goes (default Benchmarks/results/ci.json, or full.json)
#   --sweep       instead: W1, W3 and W5 at each size of --sizes (default 1000,2000,5000,10000
#                 services x 10), --runs rounds each (default 3), for ours, ipvsadm and the
#                 floor, in one boot of the lab; the process start and W5 of both release builds
#                 (dynamic, and static + stripped as Packaging/deb.sh ships it) side by side.
#                 Writes Benchmarks/results/sweep.{json,md,png}; the plot needs matplotlib,
#                 installed from PyPI into a venv under Benchmarks/.work.
#   --tool-build  which build runs W1, W3 and W5 in the sweep (default static)
#   --no-static   sweep with the dynamic build only (the static one is a second full build)
#   --no-build    sweep with the binaries already in Benchmarks/.work (ipvsctl-swift-dynamic,
#                 and ipvsctl-swift-static unless --no-static)
# Benchmarks, not tests: nothing here fails on a slow number.
set -euo pipefail

readonly BENCH_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd -P)"
readonly ROOT_DIR="$(cd "$BENCH_DIR/.." && pwd -P)"
readonly WORK="$BENCH_DIR/.work"   # git-ignored; inside the project, so the lab VM sees it

services=2000 runs="" size=ci host=1 kernel=1 out="" trace=() sweep=0 sizes=1000,2000,5000,10000 tool_build=static
static=1 build=1 agent=1
floor_source="${IPVS_FLOOR_SOURCE:-}"
while [[ $# -gt 0 ]]; do
    case "$1" in
        --full) services=10000 size=full ;;
        --runs) runs="$2"; shift ;;
        --floor) floor_source="$2"; shift ;;
        --out) out="$2"; shift ;;
        --no-strace) trace=(--no-strace) ;;
        --no-agent) agent=0 ;;
        --host-only) kernel=0 ;;
        --kernel-only) host=0 ;;
        --sweep) sweep=1 ;;
        --sizes) sizes="$2"; shift ;;
        --tool-build) tool_build="$2"; shift ;;
        --no-static) static=0 tool_build=dynamic ;;
        --no-build) build=0 ;;
        -h|--help) sed -n '2,32p' "${BASH_SOURCE[0]}"; exit 0 ;;
        *) echo "run.sh: unknown argument $1 (try --help)" >&2; exit 2 ;;
    esac
    shift
done
log() { printf '\n== %s\n' "$*" >&2; }
mkdir -p "$WORK" "$BENCH_DIR/results"

floor_binary=()
compile_floor() {
    if [[ -n $floor_source ]]; then
        [[ -f $floor_source ]] || { echo "run.sh: no floor source at $floor_source" >&2; exit 2; }
        log "compiling the floor from $floor_source"
        gcc -O2 -o "$WORK/ipvs-floor" "$floor_source"
        floor_binary=(--floor "$WORK/ipvs-floor")
    else
        log "floor: no source given (--floor FILE.c or IPVS_FLOOR_SOURCE): its column is left out"
    fi
}

if [[ $sweep == 1 ]]; then
    [[ $tool_build == static || $tool_build == dynamic ]] || { echo "run.sh: --tool-build static or dynamic" >&2; exit 2; }
    # Each build is a full one: --static-swift-stdlib compiles against other module files.
    if [[ $build == 1 && $static == 1 ]]; then
        log "release build of ipvsctl-swift, static, stripped as Packaging/deb.sh strips it"
        (cd "$ROOT_DIR" && swift build -c release --static-swift-stdlib --product ipvsctl-swift)
        cp "$ROOT_DIR/.build/release/ipvsctl-swift" "$WORK/ipvsctl-swift-static"
        strip --remove-section=.comment --remove-section=.note "$WORK/ipvsctl-swift-static"
    fi
    if [[ $build == 1 ]]; then
        log "release build of ipvsctl-swift, dynamic"
        (cd "$ROOT_DIR" && swift build -c release --product ipvsctl-swift)
        cp "$ROOT_DIR/.build/release/ipvsctl-swift" "$WORK/ipvsctl-swift-dynamic"
    fi
    builds=(--start dynamic="$WORK/ipvsctl-swift-dynamic")
    [[ $static == 0 ]] || builds+=(--start static="$WORK/ipvsctl-swift-static"
        --read dynamic="$WORK/ipvsctl-swift-dynamic" --read static="$WORK/ipvsctl-swift-static")
    log "binaries: dynamic $(stat -c %s "$WORK/ipvsctl-swift-dynamic") bytes$([[ $static == 0 ]] || echo ", static stripped $(stat -c %s "$WORK/ipvsctl-swift-static") bytes")"
    compile_floor
    log "matplotlib for the plot (a venv under $WORK)"
    [[ -x $WORK/venv/bin/python ]] || python3 -m venv "$WORK/venv"
    "$WORK/venv/bin/python" -c 'import matplotlib' 2>/dev/null || "$WORK/venv/bin/pip" install --quiet matplotlib
    log "kernel lab sweep: $sizes services x 10 real servers, ${runs:-3} rounds each"
    rm -f "$WORK/kernel-sweep.json"
    "$ROOT_DIR/Integration/lab.sh" run -- /usr/bin/python3 "$BENCH_DIR/Kernel/sweep.py" \
        --tool "$WORK/ipvsctl-swift-$tool_build" "${floor_binary[@]}" --sizes "$sizes" --runs "${runs:-3}" \
        "${builds[@]}" --out "$WORK/kernel-sweep.json"
    log "results"
    out="${out:-$BENCH_DIR/results/sweep.json}"
    python3 "$BENCH_DIR/Kernel/report.py" --sweep --work "$WORK" --out "$out" --markdown "${out%.json}.md"
    "$WORK/venv/bin/python" "$BENCH_DIR/Kernel/plot.py" "$out" --out "${out%.json}.png"
    exit 0
fi

runs="${runs:-5}"
out="${out:-$BENCH_DIR/results/$size.json}"
mkdir -p "$(dirname "$out")"
# A part that is not run keeps its last results in the report.
[[ $host == 0 ]] || rm -rf "$WORK/host" "$WORK/memory.json"
[[ $kernel == 0 ]] || rm -f "$WORK/kernel.json"

if [[ $kernel == 1 ]]; then
    log "release build of ipvsctl-swift"
    (cd "$ROOT_DIR" && swift build -c release --product ipvsctl-swift)
    compile_floor
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

if [[ $kernel == 1 && $agent == 1 ]]; then
    log "the node agent at 100 and $services services"
    "$BENCH_DIR/agent.sh" "100,$services" "$runs"
fi
