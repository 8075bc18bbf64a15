#!/usr/bin/env bash
# Builds every fuzz harness with libFuzzer and AddressSanitizer, and runs each for
# SECONDS_PER_HARNESS (default 600) on a corpus seeded from the project's fixtures.
#
#   Fuzz/run.sh [SECONDS_PER_HARNESS]
#
# Environment:
#   FUZZ_HARNESSES  the harnesses to run, space-separated (default: all)
#   FUZZ_PARALLEL   how many harnesses run at once (default 1)
#   FUZZ_NO_BUILD   set to 1 to reuse the last build
#   FUZZ_CONFIGURATION  release (default: optimised, about 60x the executions a second) or debug
#   FUZZ_RUNS       stop a harness after this many executions, if that comes before SECONDS
#
# Writes Fuzz/results/results.json and results.md (executions, coverage, corpus, crashes per
# harness). Working files (corpora, logs, crash inputs) go to Fuzz/.work/, which git ignores;
# a crash, hang or out-of-memory input is left in Fuzz/.work/artifacts/<harness>/.
set -euo pipefail

SECONDS_PER_HARNESS="${1:-600}"
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
WORK="$HERE/.work"
ALL="FuzzIPVSReplies FuzzRouteReplies FuzzConfig FuzzHTTPRequest FuzzWatchStream FuzzKubernetesJSON FuzzNftablesListing"
read -r -a HARNESSES <<< "${FUZZ_HARNESSES:-$ALL}"
PARALLEL="${FUZZ_PARALLEL:-1}"
CONFIGURATION="${FUZZ_CONFIGURATION:-release}"
RUNS="${FUZZ_RUNS:--1}"
# -enable-testing: a few harnesses reach internal entry points with `@testable import`, which an
# optimised build allows only when asked.
FLAGS=(-c "$CONFIGURATION" -Xswiftc -sanitize=fuzzer,address)
[[ "$CONFIGURATION" == release ]] && FLAGS+=(-Xswiftc -enable-testing)

cd "$HERE"
if [[ "${FUZZ_NO_BUILD:-0}" != 1 ]]; then
    echo "== building the harnesses ($CONFIGURATION, -sanitize=fuzzer,address)"
    swift build "${FLAGS[@]}" 2>&1 | grep -v "Cannot export local symbol" || true
    test "${PIPESTATUS[0]}" -eq 0
fi
BIN="$(swift build "${FLAGS[@]}" --show-bin-path)"

mkdir -p "$WORK/seeds" "$WORK/corpus" "$WORK/logs" "$WORK/artifacts" "$HERE/results"
python3 "$HERE/seeds.py" "$WORK/seeds"

run_one() {
    local harness="$1"
    local corpus="$WORK/corpus/$harness" artifacts="$WORK/artifacts/$harness/"
    mkdir -p "$corpus" "$artifacts"
    cp -n "$WORK/seeds/$harness"/* "$corpus/" 2>/dev/null || true
    echo "== $harness for ${SECONDS_PER_HARNESS}s"
    # The Swift runtime's backtracer would hold a crashing process for a long time.
    SWIFT_BACKTRACE=enable=no ASAN_OPTIONS="${ASAN_OPTIONS:-detect_leaks=0}" \
        "$BIN/$harness" -max_total_time="$SECONDS_PER_HARNESS" -runs="$RUNS" -rss_limit_mb=2048 -timeout=10 \
        -print_final_stats=1 -artifact_prefix="$artifacts" "$corpus" \
        > "$WORK/logs/$harness.log" 2>&1 || echo "   $harness exited with status $?"
    tail -n 12 "$WORK/logs/$harness.log" | grep -E "^(#|stat::|==|SUMMARY|Fatal)" || true
}

if [[ "$PARALLEL" -gt 1 ]]; then
    running=0
    for harness in "${HARNESSES[@]}"; do
        run_one "$harness" &
        running=$((running + 1))
        if [[ "$running" -ge "$PARALLEL" ]]; then wait -n; running=$((running - 1)); fi
    done
    wait
else
    for harness in "${HARNESSES[@]}"; do run_one "$harness"; done
fi

python3 "$HERE/report.py" --work "$WORK" --seconds "$SECONDS_PER_HARNESS" --parallel "$PARALLEL" --configuration "$CONFIGURATION" --runs "$RUNS" \
    --out "$HERE/results" "${HARNESSES[@]}"
