#!/usr/bin/env python3
"""Checks every relative link in the repository's Markdown files: the file or folder it names
exists, and a #fragment names a heading of the target (GitHub's anchors: lowercased,
punctuation dropped, spaces to hyphens, a repeated heading gets -1, -2, ...). External links
(http:, https:, mailto:) are not fetched. Prints one line per broken link; exit status 0 when
there is none.

Usage: Integration/check-links.py [ROOT]   (default: the repository holding this script)
"""
import os
import re
import sys

ROOT = os.path.abspath(sys.argv[1] if len(sys.argv) > 1 else os.path.join(os.path.dirname(__file__), ".."))
SKIP_DIRS = {".git", ".build", ".swiftpm", "node_modules"}
LINK = re.compile(r"(?<!\!)\[(?:[^\[\]]|\[[^\]]*\])*\]\(([^)\s]+)(?:\s+\"[^\"]*\")?\)")
FENCE = re.compile(r"^\s*(```|~~~)")


def markdown_files():
    for directory, subdirectories, files in os.walk(ROOT):
        subdirectories[:] = sorted(d for d in subdirectories if d not in SKIP_DIRS)
        for name in sorted(files):
            if name.endswith(".md"):
                yield os.path.join(directory, name)


def prose_lines_raw(path):
    """The file's lines outside fenced code blocks, numbered from 1."""
    fenced = False
    with open(path, encoding="utf-8") as handle:
        for number, line in enumerate(handle, 1):
            if FENCE.match(line):
                fenced = not fenced
                continue
            if not fenced:
                yield number, line


def prose_lines(path):
    """The same, with inline code spans blanked: a link written in code is not a link."""
    for number, line in prose_lines_raw(path):
        yield number, re.sub(r"`[^`]*`", lambda m: "`" + " " * (len(m.group(0)) - 2) + "`", line)


def slug(heading):
    text = heading.strip().lower()
    text = re.sub(r"[^\w\- ]", "", text)
    return text.replace(" ", "-")


_anchors = {}


def anchors(path):
    if path not in _anchors:
        found, seen = set(), {}
        for _, line in prose_lines_raw(path):
            match = re.match(r"^(#{1,6})\s+(.*?)\s*#*\s*$", line)
            if not match:
                continue
            base = slug(match.group(2))
            count = seen.get(base, 0)
            seen[base] = count + 1
            found.add(base if count == 0 else f"{base}-{count}")
        _anchors[path] = found
    return _anchors[path]


def main():
    broken = 0
    checked = 0
    for source in markdown_files():
        # The whole prose at once, fenced blocks blanked line for line: a link's text may wrap.
        lines = dict(prose_lines(source))
        with open(source, encoding="utf-8") as handle:
            count = sum(1 for _ in handle)
        prose = "".join(lines.get(number, "\n") for number in range(1, count + 1))
        for match in LINK.finditer(prose):
            target = match.group(1)
            if re.match(r"^[a-z][a-z0-9+.-]*:", target, re.I):
                continue
            checked += 1
            number = prose.count("\n", 0, match.start()) + 1
            where = f"{os.path.relpath(source, ROOT)}:{number}"
            path_part, _, fragment = target.partition("#")
            resolved = os.path.normpath(os.path.join(os.path.dirname(source), path_part)) if path_part else source
            if not os.path.exists(resolved):
                print(f"{where}: {target}: no such file")
                broken += 1
            elif fragment and (os.path.isdir(resolved) or not resolved.endswith(".md")):
                print(f"{where}: {target}: a fragment on something that is not a Markdown file")
                broken += 1
            elif fragment and fragment not in anchors(resolved):
                print(f"{where}: {target}: no heading with that anchor in {os.path.relpath(resolved, ROOT)}")
                broken += 1
    print(f"{checked} relative links checked, {broken} broken", file=sys.stderr)
    return 1 if broken else 0


if __name__ == "__main__":
    sys.exit(main())
