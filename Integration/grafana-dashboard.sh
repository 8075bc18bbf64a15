#!/usr/bin/env bash
# The Grafana dashboard of deploy/grafana, checked without a Grafana server (none is packaged for
# Debian 12 or on PyPI): the JSON parses and has what an import needs (uid, title, a Grafana
# 10/11 schemaVersion, a `datasource` variable of type prometheus that every panel, query and
# query variable uses, node variables from a label the metrics carry, panels with unique ids and
# non-overlapping gridPos, queries with a refId and an expr, a description on every panel, the
# blackholed services first); every query, with its template variables replaced by concrete
# values, is valid PromQL (promtool check rules, each written as a recording rule); every metric
# name a query reads is one the agent's code registers, a recording rule of deploy/prometheus, or
# a series Prometheus adds to every scrape; and the unit tests of deploy/grafana/tests evaluate
# the key queries on synthetic series (promtool test rules). Installs promtool as
# Integration/prometheus-rules.sh does. Exit status 0 only when everything passed.
#
# Usage: Integration/grafana-dashboard.sh
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.."

readonly DASHBOARD=deploy/grafana/ipvsctl-swift.json
readonly RULES=deploy/prometheus/ipvsctl-swift.rules.yml
readonly TESTS=(deploy/grafana/tests/*.yml)
# The series Prometheus itself adds to every scrape target.
readonly SCRAPE_SERIES="up scrape_duration_seconds scrape_samples_scraped scrape_samples_post_metric_relabeling scrape_series_added"

# shellcheck source=Integration/prometheus-common.sh
source Integration/prometheus-common.sh

fail() { printf 'grafana-dashboard: %s\n' "$*" >&2; failures=$((failures + 1)); }
failures=0

ensure_promtool grafana-dashboard || exit 1

work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT

# The structure, in Python. Writes every query as a recording rule into
# $work/dashboard.rules.yml, the metric names the queries read into $work/metrics and counts
# into $work/counts; prints each problem and exits 1 if there was one.
python3 - "$DASHBOARD" "$work" <<'PY' || fail "the dashboard's structure is not what a Grafana import needs (above)"
import json, re, sys

path, work = sys.argv[1], sys.argv[2]
problems = []
def problem(message):
    problems.append(message)
    print(f"grafana-dashboard: {message}", file=sys.stderr)

try:
    with open(path) as f:
        dashboard = json.load(f)
except (OSError, ValueError) as error:
    print(f"grafana-dashboard: {path} does not parse: {error}", file=sys.stderr)
    sys.exit(1)

# Grafana 10.0 writes schemaVersion 38, 10.4 and 11.0 write 39, later 11.x 40 and 41.
for key, kind in (("uid", str), ("title", str), ("schemaVersion", int), ("panels", list), ("templating", dict)):
    if not isinstance(dashboard.get(key), kind) or dashboard.get(key) in ("", []):
        problem(f"no {key} ({kind.__name__}) at the top")
if not re.fullmatch(r"[A-Za-z0-9_-]{1,40}", str(dashboard.get("uid", ""))):
    problem("uid must be 1 to 40 letters, digits, '-' or '_'")
if isinstance(dashboard.get("schemaVersion"), int) and not 38 <= dashboard["schemaVersion"] <= 41:
    problem(f"schemaVersion {dashboard['schemaVersion']} is not one of Grafana 10 or 11 (38 to 41)")

DATASOURCE_UIDS = ("${datasource}", "$datasource")
def uses_datasource_variable(ref):
    return isinstance(ref, dict) and ref.get("type") == "prometheus" and ref.get("uid") in DATASOURCE_UIDS

# Template variables: a datasource variable of type prometheus, query variables on it, and the
# node variable from a label of the agent's series.
variables = {}
for variable in dashboard.get("templating", {}).get("list", []):
    name = variable.get("name")
    if not name or name in variables:
        problem(f"template variable without a name or twice: {name!r}")
    variables[name] = variable
source = variables.get("datasource")
if not source or source.get("type") != "datasource" or source.get("query") != "prometheus":
    problem("no template variable `datasource` of type datasource with query prometheus")
selectors = []  # (where, PromQL selector) of the variables' label_values() queries
for name, variable in variables.items():
    if variable.get("type") != "query":
        continue
    if not uses_datasource_variable(variable.get("datasource")):
        problem(f"variable {name}: its datasource is not the `datasource` variable")
    query = variable.get("query")
    query = query.get("query") if isinstance(query, dict) else query
    match = re.fullmatch(r"\s*label_values\((.+),\s*(\w+)\s*\)\s*", query or "")
    if not match:
        problem(f"variable {name}: the query is not label_values(SELECTOR, LABEL): {query!r}")
        continue
    selectors.append((f"variable {name}", match.group(1), name))
    if variable.get("multi") or variable.get("includeAll"):
        if variable.get("includeAll") and variable.get("allValue") != ".*":
            problem(f"variable {name}: All must be the regex .* (allValue)")
node = variables.get("instance")
if not node or node.get("type") != "query" or not re.search(r",\s*instance\s*\)\s*$", str(node.get("query"))):
    problem("no `instance` query variable reading label_values(..., instance)")

# Grafana's own variables, and what they stand for in the checks.
GLOBALS = {"__rate_interval": "5m", "__interval": "1m", "__range": "1h", "__range_s": "3600", "__interval_ms": "60000"}
MULTI_VALUE = {name for name, v in variables.items() if v.get("multi") or v.get("includeAll")}
def concrete(expr, where):
    for name in re.findall(r"\$\{?(\w+)", expr) + re.findall(r"\[\[(\w+)\]\]", expr):
        if name not in GLOBALS and name not in variables:
            problem(f"{where}: ${name} is not a template variable")
    for name in MULTI_VALUE:
        if re.search(r'\w+\s*(=|!=)\s*"\$\{?' + name + r'\b', expr):
            problem(f"{where}: ${name} can hold several values: match it with =~ or !~")
    def value(match):
        name = match.group(1) or match.group(2) or match.group(3)
        return GLOBALS.get(name, ".*")
    return re.sub(r"\$\{(\w+)(?::\w+)?\}|\$(\w+)|\[\[(\w+)\]\]", value, expr)

# The metric names an expression reads: what stays of its identifiers once strings, label
# matchers, range and subquery brackets, grouping and matching label lists, functions, keywords
# and numbers are taken out.
KEYWORDS = {"by", "without", "on", "ignoring", "group_left", "group_right", "and", "or", "unless", "bool",
            "offset", "inf", "nan", "atan2", "start", "end"}
def metric_names(expr):
    text = re.sub(r'"(?:[^"\\]|\\.)*"|\'(?:[^\'\\]|\\.)*\'|`[^`]*`', '""', expr)
    text = re.sub(r"\{[^{}]*\}", " ", text)
    text = re.sub(r"\[[^\[\]]*\]", " ", text)
    text = re.sub(r"\b(by|without|on|ignoring|group_left|group_right)\s*\([^()]*\)", " ", text)
    names = set()
    for match in re.finditer(r"(?<![\w:.])([A-Za-z_:][\w:]*)(\s*\()?", text):
        name, call = match.group(1), match.group(2)
        if call or name.lower() in KEYWORDS:
            continue
        names.add(name)
    return names

# Panels: unique ids, a place on the 24-column grid, a description, queries on the variable.
KNOWN_TYPES = {"row", "stat", "table", "timeseries", "gauge", "bargauge", "text", "heatmap", "state-timeline"}
def walk(panels):
    for panel in panels:
        yield panel
        yield from walk(panel.get("panels", []))
rules, names, ids, cells = [], set(), set(), {}
panels = list(walk(dashboard.get("panels", [])))
queries = 0
for panel in panels:
    pid, kind = panel.get("id"), panel.get("type")
    where = f"panel {pid} ({panel.get('title', '')!r})"
    if not isinstance(pid, int) or pid in ids:
        problem(f"{where}: its id is not a unique integer")
    ids.add(pid)
    if kind not in KNOWN_TYPES:
        problem(f"{where}: unknown panel type {kind!r}")
    if not panel.get("title"):
        problem(f"{where}: no title")
    grid = panel.get("gridPos", {})
    if not all(isinstance(grid.get(k), int) for k in "hwxy") or grid["w"] < 1 or grid["h"] < 1 \
            or grid["x"] < 0 or grid["y"] < 0 or grid["x"] + grid["w"] > 24:
        problem(f"{where}: gridPos {grid} is not within the 24-column grid")
    elif any(panel is top for top in dashboard["panels"]):
        # Panels inside a collapsed row are placed when it opens: only the top level can overlap.
        for x in range(grid["x"], grid["x"] + grid["w"]):
            for y in range(grid["y"], grid["y"] + grid["h"]):
                if (x, y) in cells:
                    problem(f"{where}: overlaps panel {cells[(x, y)]}")
                    break
                cells[(x, y)] = pid
            else:
                continue
            break
    if kind == "row":
        if panel.get("targets"):
            problem(f"{where}: a row has no queries")
        continue
    if len(panel.get("description", "").strip()) < 40:
        problem(f"{where}: no description saying what it shows and what to do")
    if not uses_datasource_variable(panel.get("datasource")):
        problem(f"{where}: its datasource is not the `datasource` variable")
    targets = panel.get("targets") or []
    if not targets:
        problem(f"{where}: no queries")
    refs = set()
    for target in targets:
        ref, expr = target.get("refId"), target.get("expr")
        if not isinstance(ref, str) or not re.fullmatch(r"[A-Z]+", ref) or ref in refs:
            problem(f"{where}: a query without a refId, or with one used twice: {ref!r}")
            continue
        refs.add(ref)
        if not isinstance(expr, str) or not expr.strip():
            problem(f"{where}, query {ref}: no expr")
            continue
        if not uses_datasource_variable(target.get("datasource")):
            problem(f"{where}, query {ref}: its datasource is not the `datasource` variable")
        queries += 1
        rules.append((f"dashboard:panel{pid}:{ref}", concrete(expr, f"{where}, query {ref}")))
        names |= metric_names(expr)
for where, selector, name in selectors:
    rules.append((f"dashboard:variable_{name}", concrete(selector, where)))
    names |= metric_names(selector)

# What users must see above all comes first: the first row is the blackholed services, and its
# panels read ipvsctl_service_blackholed.
top = dashboard.get("panels", [])
if not top or top[0].get("type") != "row" or "blackhol" not in top[0].get("title", "").lower():
    problem("the first row is not the blackholed services")
else:
    first = []
    for panel in top[1:]:
        if panel.get("type") == "row":
            break
        first.append(panel)
    if not any("ipvsctl_service_blackholed" in t.get("expr", "") for p in first for t in p.get("targets", [])):
        problem("the first row shows no ipvsctl_service_blackholed")

with open(f"{work}/dashboard.rules.yml", "w") as f:
    f.write("# Every query of the dashboard, template variables replaced.\ngroups:\n  - name: dashboard\n    rules:\n")
    for record, expr in rules:
        f.write(f"      - record: {record}\n        expr: {json.dumps(expr)}\n")
with open(f"{work}/metrics", "w") as f:
    f.write("".join(f"{name}\n" for name in sorted(names)))
with open(f"{work}/counts", "w") as f:
    f.write(f"{len(panels)} {queries} {len(variables)}\n")
sys.exit(1 if problems else 0)
PY

# Every query is PromQL that parses, as Prometheus would run it.
if [[ -s $work/dashboard.rules.yml ]]; then
    promtool check rules "$work/dashboard.rules.yml" >/dev/null || fail "promtool check rules: a query is not valid PromQL (above)"
fi

# Every metric name read is registered by the agent's code, recorded by deploy/prometheus, or
# added by Prometheus to every scrape.
records="$(recorded_names "$RULES")"
metrics="$(cat "$work/metrics" 2>/dev/null || true)"
[[ -n $metrics ]] || fail "no metric name found in the dashboard's queries"
for metric in $metrics; do
    if [[ $metric == *:* ]]; then
        grep -qxF "$metric" <<<"$records" || fail "$metric is not a recording rule of $RULES"
    elif grep -qw -- "$metric" <<<"$SCRAPE_SERIES"; then
        :
    else
        registered_metric "$metric" || fail "$metric is not a metric the agent exports (Sources does not register it)"
    fi
done

# The key queries on synthetic series, through the real recording rules. A test may read only
# queries the dashboard has: a test expecting no sample of a query that is gone would pass.
cp "$RULES" "$work/"
panel_records="$(recorded_names "$work/dashboard.rules.yml" 2>/dev/null || true)"
for test in "${TESTS[@]}"; do
    while read -r record; do
        grep -qxF "$record" <<<"$panel_records" || fail "$test reads $record, which is no query of the dashboard"
    done < <(grep -ohE 'dashboard:[A-Za-z0-9_]+:[A-Z]+' "$test" | sort -u)
    cp "$test" "$work/test-$(basename "$test")"
done
promtool test rules "$work"/test-*.yml || fail "promtool test rules failed"

read -r panels queries variables <"$work/counts" 2>/dev/null || { panels=0; queries=0; variables=0; }
printf 'grafana-dashboard: %d panels, %d queries, %d template variables, %d metric names, %d test files' \
    "$panels" "$queries" "$variables" "$(wc -w <<<"$metrics")" "${#TESTS[@]}"
if [[ $failures -ne 0 ]]; then
    printf '; %d checks failed\n' "$failures"
    exit 1
fi
printf '; all checked\n'
