#!/usr/bin/env python3
"""Summarises the libFuzzer logs of a Fuzz/run.sh run as results.json and results.md."""
import argparse
import datetime
import json
import os
import platform
import re
import subprocess

STATUS = re.compile(r"^#(\d+)\s+(\w+)\s+cov: (\d+) ft: (\d+) corp: (\d+)/(\d+)(b|Kb|Mb)")
UNITS = {"b": 1, "Kb": 1024, "Mb": 1024 * 1024}


def summarise(harness, work):
    log_path = os.path.join(work, "logs", harness + ".log")
    with open(log_path, encoding="utf-8", errors="replace") as f:
        lines = f.read().splitlines()
    result = {"harness": harness, "executions": None, "seconds": None, "exec_per_sec": None,
              "cov": None, "ft": None, "corpus_units": None, "corpus_bytes": None,
              "seed_cov": None, "seed_ft": None, "peak_rss_mb": None, "findings": []}
    for line in lines:
        m = STATUS.match(line)
        if m:
            if m.group(2) == "INITED":
                result["seed_cov"], result["seed_ft"] = int(m.group(3)), int(m.group(4))
            result["executions"] = int(m.group(1))
            result["cov"], result["ft"] = int(m.group(3)), int(m.group(4))
            result["corpus_units"] = int(m.group(5))
            result["corpus_bytes"] = int(m.group(6)) * UNITS[m.group(7)]
        m = re.match(r"^Done (\d+) runs in (\d+) second", line)
        if m:
            result["executions"], result["seconds"] = int(m.group(1)), int(m.group(2))
        m = re.match(r"^stat::(\w+):\s+(\d+)", line)
        if m:
            key, value = m.group(1), int(m.group(2))
            if key == "number_of_executed_units":
                result["executions"] = value
            elif key == "average_exec_per_sec":
                result["exec_per_sec"] = value
            elif key == "peak_rss_mb":
                result["peak_rss_mb"] = value
        if line.startswith("==") and "ERROR: libFuzzer" in line or line.startswith("SUMMARY:"):
            result["findings"].append(line.strip("= "))
    if result["seconds"] is None and result["executions"] and result["exec_per_sec"]:
        result["seconds"] = round(result["executions"] / result["exec_per_sec"])
    artifacts = os.path.join(work, "artifacts", harness)
    result["artifacts"] = sorted(n for n in os.listdir(artifacts)
                                 if n.split("-")[0] in ("crash", "timeout", "oom", "leak")) if os.path.isdir(artifacts) else []
    result["crashes"] = len(result["artifacts"])
    return result


def machine():
    cpu = platform.processor() or platform.machine()
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    cpu = line.split(":", 1)[1].strip()
                    break
    except OSError:
        pass
    try:
        swift = subprocess.run(["swift", "--version"], capture_output=True, text=True).stdout.splitlines()[0]
    except (OSError, IndexError):
        swift = "unknown"
    return {"cpu": cpu, "cores": os.cpu_count(), "system": f"{platform.system()} {platform.release()}", "swift": swift}


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--work", required=True)
    parser.add_argument("--out", required=True)
    parser.add_argument("--seconds", type=int, required=True)
    parser.add_argument("--parallel", type=int, default=1)
    parser.add_argument("--configuration", default="release")
    parser.add_argument("--runs", type=int, default=-1, help="libFuzzer's -runs limit, -1 for none")
    parser.add_argument("--note", default="", help="how the run went, in a sentence, for the report")
    parser.add_argument("harnesses", nargs="+")
    args = parser.parse_args()
    results = [summarise(h, args.work) for h in args.harnesses]
    run = {"date": datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M UTC"),
           "machine": machine(), "seconds_per_harness": args.seconds, "harnesses_at_once": args.parallel,
           "flags": f"-sanitize=fuzzer,address ({args.configuration}); -rss_limit_mb=2048 -timeout=10"
                    + (f" -runs={args.runs}" if args.runs > 0 else ""),
           "note": args.note,
           "results": results}
    os.makedirs(args.out, exist_ok=True)
    with open(os.path.join(args.out, "results.json"), "w") as f:
        json.dump(run, f, indent=2)
        f.write("\n")
    m = run["machine"]
    rows = [f"Run of {run['date']}: {m['cpu']}, {m['cores']} cores (shared), {m['system']}, {m['swift']}; "
            f"{args.seconds} s per harness, {args.parallel} at once; {run['flags']}." + (f" {args.note}" if args.note else ""), "",
            "| harness | seconds | executions | exec/s | cov | ft | corpus (units / bytes) | peak RSS MB | crashes, hangs, OOMs |",
            "|---|---:|---:|---:|---:|---:|---:|---:|---|"]
    for r in results:
        found = ", ".join(r["artifacts"]) if r["artifacts"] else "0"
        rows.append(f"| {r['harness']} | {r['seconds']} | {r['executions']:,} | {r['exec_per_sec']} | {r['cov']} "
                    f"| {r['ft']} | {r['corpus_units']} / {r['corpus_bytes']:,} | {r['peak_rss_mb']} | {found} |"
                    if r["executions"] is not None else f"| {r['harness']} | - | - | - | - | - | - | - | no result |")
    with open(os.path.join(args.out, "results.md"), "w") as f:
        f.write("\n".join(rows) + "\n")
    print("\n".join(rows))


if __name__ == "__main__":
    main()
