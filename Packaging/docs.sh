#!/usr/bin/env bash
# The man page and the bash, zsh and fish completions of ipvsctl-swift, generated from a built
# binary by swift-argument-parser's own generators (never written by hand), then checked.
# Packaging/deb.sh runs it on the release binary it packages; Integration/test.sh on the debug
# binary of the unit tests.
#
# Usage: Packaging/docs.sh BINARY OUTDIR
#
# Writes OUTDIR/ipvsctl-swift.1 (mdoc), OUTDIR/ipvsctl-swift.bash, OUTDIR/_ipvsctl-swift (zsh)
# and OUTDIR/ipvsctl-swift.fish. The man page comes from the `generate-manual` tool of the
# swift-argument-parser checkout this package resolved (the tool behind its GenerateManual
# plugin), built on its own in seconds: the plugin would build every product of this package
# again, in a configuration of its own, before running the same tool. The tool and the
# completions read the command tree from the binary (`--experimental-dump-help`,
# `--generate-completion-script`), so every subcommand there is, is documented.
#
# Checks, exit status 1 when one fails: `mandoc -T lint` (but for two style warnings, below) and
# `groff -mandoc -ww -z` find no warning in the page; `bash -n`, `zsh -n` and `fish
# --no-execute` accept the completions; the page has an entry for every command and every
# option of each, and an "Exit status:" for the tool and for every subcommand (from the
# `discussion:` of each command's CommandConfiguration); each completion script names every
# subcommand. Installs mandoc, groff, zsh, fish and python3 (Debian packages) when missing.
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.."
LOG_PREFIX=docs
source Packaging/lib.sh

[[ $# -eq 2 ]] || { echo "usage: $0 BINARY OUTDIR" >&2; exit 2; }
binary="$(realpath "$1")"
out="$2"
[[ -x $binary ]] || die "$1: no such executable (build it first)"
name="$(basename "$binary")"

need_apt_packages mandoc groff-base zsh fish python3

# --- generate
parser=.build/checkouts/swift-argument-parser
[[ -f $parser/Package.swift ]] || die "$parser: missing (resolve or build this package first)"
log "building swift-argument-parser's generate-manual"
swift build --package-path "$parser" --scratch-path .build/generate-manual \
    --product generate-manual >&2
generate_manual="$(swift build --package-path "$parser" --scratch-path .build/generate-manual \
    --show-bin-path)/generate-manual"

mkdir -p "$out"
# The page's date: the commit it was built from, so that a rebuild gives the same page.
date="$(git log -1 --format=%cs 2>/dev/null || date -u +%F)"
"$generate_manual" "$binary" --date "$date" --output-directory "$out"
[[ -s $out/$name.1 ]] || die "generate-manual wrote no $out/$name.1"
"$binary" --generate-completion-script bash >"$out/$name.bash"
"$binary" --generate-completion-script zsh >"$out/_$name"
"$binary" --generate-completion-script fish >"$out/$name.fish"

# --- check
failures=0
fail() { printf 'docs: %s\n' "$*" >&2; failures=$((failures + 1)); }

# Two of mandoc's style warnings come from the generator's layout, not from our text, and change
# nothing a reader sees but spacing: "new sentence, new line" (it writes each help text on one
# source line, so a sentence inside one is not followed by mdoc's wider space) and "skipping
# paragraph macro: Pp before It" (it opens each option list with a paragraph that mandoc and
# groff both drop). Every other warning fails, and so does any from groff.
lint="$(mandoc -T lint -W warning "$out/$name.1" 2>&1 \
    | grep -v -e 'WARNING: new sentence, new line$' -e 'WARNING: skipping paragraph macro: Pp before It$' || true)"
[[ -z $lint ]] || fail "mandoc -T lint: $lint"
lint="$(groff -mandoc -ww -z "$out/$name.1" 2>&1)" && [[ -z $lint ]] || fail "groff -mandoc -ww -z: $lint"
bash -n "$out/$name.bash" || fail "bash -n $out/$name.bash failed"
zsh -n "$out/_$name" || fail "zsh -n $out/_$name failed"
fish --no-execute "$out/$name.fish" || fail "fish --no-execute $out/$name.fish failed"

# The command tree as the binary reports it, against the page and the completions: every
# command (but the parser's own `help`) and every option it shows in its help has its entry in
# that command's part of the page, with an "Exit status:"; every subcommand is in every
# completion script.
tree_problems="$("$binary" --experimental-dump-help | python3 -c '
import json, re, sys
page_path, completion_paths = sys.argv[1], sys.argv[2:]
page = open(page_path).read().splitlines()
completions = {path: open(path).read() for path in completion_paths}
root = json.load(sys.stdin)["command"]
# The page: the tool, then one ".It Em NAME" item per subcommand, nested as they are.
parts, current = {}, root["commandName"]
for line in page:
    match = re.fullmatch(r"\.It Em (\S+)", line)
    if match:
        current = match.group(1)
    parts.setdefault(current, []).append(line)
count = 0
def walk(command, is_root):
    global count
    name = command["commandName"]
    if not command.get("shouldDisplay", True) or name == "help":
        return
    count += 1
    part = "\n".join(parts.get(name, []))
    if not part:
        print(f"the man page has no entry for {name}")
    if "Exit status:" not in command.get("discussion", ""):
        print(f"{name}: no \"Exit status:\" in the discussion of its CommandConfiguration")
    elif "Exit status:" not in part:
        print(f"the man page gives no exit status for {name}")
    for argument in command.get("arguments", []):
        if not argument.get("shouldDisplay", True):
            continue
        for n in argument.get("names", []):
            option = n["name"]
            if n["kind"] == "long" and not re.search(r"(Fl|,) -" + re.escape(option) + r"\b", part):
                print(f"the man page does not document {name} --{option}")
    if not is_root:
        for path, text in completions.items():
            if not re.search(r"(?<![\w-])" + re.escape(name) + r"(?![\w-])", text):
                print(f"{path} does not name {name}")
    for sub in command.get("subcommands", []):
        walk(sub, False)
walk(root, True)
print(f"checked {count} commands", file=sys.stderr)
' "$out/$name.1" "$out/$name.bash" "$out/_$name" "$out/$name.fish")" || die "the command tree check did not run"
while IFS= read -r problem; do
    [[ -z $problem ]] || fail "$problem"
done <<<"$tree_problems"

if [[ $failures -gt 0 ]]; then
    echo "docs: $failures check(s) failed" >&2
    exit 1
fi
log "$out: $name.1, $name.bash, _$name, $name.fish: all checks passed"
