#!/usr/bin/env bash
# Style: every Swift file of the project formatted as .swift-format says (swift-format, which
# ships with the Swift toolchain). Fails on any difference; `Integration/lint.sh --fix`
# rewrites the files in place instead.
#
# Usage: Integration/lint.sh [--fix]
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.."

# Tracked Swift files only: build directories and checkouts are never linted.
mapfile -t files < <(git ls-files '*.swift')
[[ ${#files[@]} -gt 0 ]] || { echo "lint: no Swift files found" >&2; exit 1; }

if [[ ${1:-} == --fix ]]; then
    swift format format --in-place --parallel "${files[@]}"
    echo "lint: formatted ${#files[@]} files"
else
    swift format lint --strict --parallel "${files[@]}"
    echo "lint: ${#files[@]} files as .swift-format wants them"
fi
