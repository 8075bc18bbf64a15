#!/usr/bin/env python3
"""Turns the raw results of Benchmarks/run.sh (the kernel lab's JSON, the host benchmarks'
percentile files, the memory probe) into one JSON document and a Markdown table, with each
performance goal marked met or missed."""

import argparse
import datetime
import glob
import json
import os
import platform
import re
import subprocess

GOALS = {
    "w1VersusFloor": 1.25,        # W1: at most 1.25x the floor's time
    "w1VersusIpvsadm": 5.0,       # W1: at least 5x faster than ipvsadm -R
    "w5VersusFloor": 1.25,        # W5: at most 1.25x the floor's read
    "commandsPerSend": 256,       # W1: IPVS commands per sendmsg, at least
    "plannerMilliseconds": 20.0,  # 100,000 real servers, host
    "bytesPerRealServer": 256.0,  # our memory, host
}

WORKLOADS = [
    ("W1", "W1 cold apply"),
    ("W2", "W2 churn, 1 % of services"),
    ("W3", "W3 no-op"),
    ("W4down", "W4 storm: 10 % of real servers to weight 0"),
    ("W4up", "W4 storm: back"),
    ("W5", "W5 full read"),
]


def host_benchmarks(directory):
    """Median wall clock (ms) and allocations per benchmark from the percentile files."""
    out = {}
    for path in glob.glob(os.path.join(directory, "*.histogram.percentiles.tsv")):
        name = os.path.basename(path)[: -len(".histogram.percentiles.tsv")]
        _, _, rest = name.partition(".HostBenchmarks.")
        benchmark, _, metric = rest.rpartition(".")
        with open(path) as tsv:
            header = tsv.readline().rstrip("\n").split("\t")[1]
            median = next(float(line.split("\t")[1]) for line in tsv if line.startswith("50\t"))
        unit = re.findall(r"\(([^()]*)\)[\s*]*$", header)  # "Time (wall clock) (ms) *"
        entry = out.setdefault(benchmark.replace("_", " "), {})
        entry[metric] = {"median": median, "unit": unit[0] if unit else ""}
    return out


def milliseconds(value):
    scale = {"ns": 1e-6, "μs": 1e-3, "us": 1e-3, "ms": 1.0, "s": 1e3}
    return value["median"] * scale.get(value["unit"], float("nan"))


def host_environment():
    def text(command):
        try:
            return subprocess.run(command, capture_output=True, text=True).stdout.strip()
        except OSError:
            return ""
    model = next((line.split(":", 1)[1].strip() for line in text(["cat", "/proc/cpuinfo"]).splitlines()
                  if line.startswith("model name")), None)
    return {"cpuModel": model, "cpus": os.cpu_count(), "kernel": platform.release(),
            "swift": text(["swift", "--version"]).splitlines()[0] if text(["swift", "--version"]) else None,
            "commit": text(["git", "rev-parse", "--short", "HEAD"]) or None,
            "date": datetime.date.today().isoformat()}


def ratio(a, b):
    return a / b if a and b else None


def kernel_rows(kernel):
    results = kernel["results"]
    ours, theirs, floor = results.get("ours", {}), results.get("ipvsadm", {}), results.get("floor", {})
    rows = []
    for key, label in WORKLOADS:
        mine = ours.get(key, {}).get("medianSeconds")
        other = theirs.get(key, {}).get("medianSeconds")
        lowest = floor.get(key, {}).get("medianSeconds")
        sent = ours.get(key, {}).get("ipvsCommands")
        rows.append({"workload": key, "label": label, "ours": mine, "ipvsadm": other, "floor": lowest,
                     "oursOverFloor": ratio(mine, lowest), "ipvsadmOverOurs": ratio(other, mine),
                     "commands": kernel["expectedCommands"].get(key), "oursCommandsSent": sent})
    binding = results.get("ours+vips", {}).get("W1", {})
    if binding:
        rows.insert(1, {"workload": "W1+vips", "label": f"W1 cold apply, `apply` binding the {kernel['services']:,} VIPs",
                        "ours": binding["medianSeconds"], "ipvsadm": None, "floor": None, "oursOverFloor": None,
                        "ipvsadmOverOurs": None, "commands": kernel["expectedCommands"]["W1"],
                        "oursCommandsSent": binding.get("ipvsCommands")})
    return rows


def syscall_rows(kernel):
    rows = []
    commands = kernel["expectedCommands"]
    for contender, by_workload in kernel.get("syscalls", {}).items():
        for workload, counts in by_workload.items():
            sends = counts["netlinkSends"].get("generic", 0)
            sent = commands.get(workload, 0) if workload != "W5" else 0
            rows.append({"contender": contender, "workload": workload, "syscalls": counts["syscalls"],
                         "netlinkSockets": sum(counts["netlinkSockets"].values()), "ipvsSends": sends,
                         "writeCommands": sent, "commandsPerSend": ratio(sent, sends) if sent else None})
    return rows


def goals(report):
    marks = []

    def mark(name, value, goal, met, text):
        marks.append({"goal": name, "value": value, "target": goal, "met": met, "text": text})

    rows = {row["workload"]: row for row in report.get("kernel", {}).get("rows", [])}
    if rows:
        w1, w3, w5 = rows["W1"], rows["W3"], rows["W5"]
        if w1["oursOverFloor"]:
            mark("W1 within 1.25x of the floor", w1["oursOverFloor"], GOALS["w1VersusFloor"],
                 w1["oursOverFloor"] <= GOALS["w1VersusFloor"], f"{w1['oursOverFloor']:.2f}x the floor")
        if w1["ipvsadmOverOurs"]:
            mark("W1 at least 5x faster than ipvsadm -R", w1["ipvsadmOverOurs"], GOALS["w1VersusIpvsadm"],
                 w1["ipvsadmOverOurs"] >= GOALS["w1VersusIpvsadm"], f"{w1['ipvsadmOverOurs']:.1f}x faster")
        if w5["oursOverFloor"]:
            mark("W5 within 1.25x of the floor read", w5["oursOverFloor"], GOALS["w5VersusFloor"],
                 w5["oursOverFloor"] <= GOALS["w5VersusFloor"], f"{w5['oursOverFloor']:.2f}x the floor read")
        sent = w3["oursCommandsSent"] or [None]
        mark("W3 sends zero write commands", sent, [0], sent == [0], f"{sent[0]} commands")
        if w3["ours"] and w5["ours"]:
            mark("W3 no slower than a full read", w3["ours"] / w5["ours"], 1.0, w3["ours"] <= w5["ours"],
                 f"{w3['ours']:.2f} s vs {w5['ours']:.2f} s")
    for row in report.get("kernel", {}).get("syscallRows", []):
        if row["contender"] == "ours" and row["workload"] == "W1" and row["commandsPerSend"]:
            mark("W1 at least 256 commands per sendmsg", row["commandsPerSend"], GOALS["commandsPerSend"],
                 row["commandsPerSend"] >= GOALS["commandsPerSend"], f"{row['commandsPerSend']:.0f} per sendmsg")
    # CPU time, not wall clock: the wall clock counts whatever else the machine runs meanwhile.
    planner = report.get("host", {}).get("benchmarks", {}).get("Planner no-op, 100,000 real servers", {}).get("cpuTotal")
    if planner:
        value = milliseconds(planner)
        mark("planner diffs 100,000 real servers in 20 ms", value, GOALS["plannerMilliseconds"],
             value <= GOALS["plannerMilliseconds"], f"{value:.1f} ms CPU (no-op plan)")
    memory = report.get("host", {}).get("memory")
    if memory:
        value = memory.get("steadyStateBytesPerRealServer", memory["totalBytesPerRealServer"])
        mark("at most 256 bytes of our memory per real server in steady state", value, GOALS["bytesPerRealServer"],
             value <= GOALS["bytesPerRealServer"], f"{value:.0f} bytes")
    return marks


def seconds(value):
    return "–" if value is None else f"{value:.2f} s"


def times(value):
    return "–" if value is None else f"{value:.2f}×"


def markdown(report):
    lines = []
    kernel = report.get("kernel")
    if kernel:
        env = kernel["environment"]
        lines += [f"Kernel lab: {kernel['services']:,} TCP services × {kernel['realServersPerService']} real servers, "
                  f"median of {kernel['runs']} rounds, Linux {env['kernel']} under qemu (TCG, {env['cpus']} vCPUs) "
                  f"on {report['host']['environment']['cpuModel'] if report.get('host') else 'the host'}.", "",
                  "| workload | IPVS commands | ipvsctl-swift | ipvsadm | floor | ours ÷ floor | ipvsadm ÷ ours |",
                  "|---|---:|---:|---:|---:|---:|---:|"]
        for row in kernel["rows"]:
            commands = row["commands"]
            if row["workload"] == "W5":
                commands_text = "(read)"
            elif row["workload"] == "W3":
                commands_text = f"{(row['oursCommandsSent'] or ['?'])[0]} sent"
            else:
                commands_text = f"{commands:,}"
            lines.append(f"| {row['label']} | {commands_text} | {seconds(row['ours'])} | {seconds(row['ipvsadm'])} | "
                         f"{seconds(row['floor'])} | {times(row['oursOverFloor'])} | {times(row['ipvsadmOverOurs'])} |")
        if kernel["syscallRows"]:
            lines += ["", "System calls (one `strace -f` pass, apart from the timed rounds):", "",
                      "| contender, workload | system calls | netlink sockets | IPVS sendmsg | write commands per sendmsg |",
                      "|---|---:|---:|---:|---:|"]
            for row in kernel["syscallRows"]:
                per = "–" if row["commandsPerSend"] is None else f"{row['commandsPerSend']:.1f}"
                lines.append(f"| {row['contender']} {row['workload']} | {row['syscalls']:,} | {row['netlinkSockets']:,} | "
                             f"{row['ipvsSends']:,} | {per} |")
    host = report.get("host")
    if host and host.get("benchmarks"):
        lines += ["", f"Host, no kernel ({host['environment']['cpuModel']}, {host['environment']['cpus']} cores), "
                  "ordo-one/benchmark medians:", "",
                  "| benchmark | CPU time | wall clock | allocations |", "|---|---:|---:|---:|"]
        for name, metrics in sorted(host["benchmarks"].items()):
            cells = []
            for metric in ("cpuTotal", "wallClock"):
                cells.append(f"{milliseconds(metrics[metric]):,.1f} ms" if metric in metrics else "–")
            allocations = metrics.get("mallocCountTotal")
            unit = allocations["unit"] if allocations and allocations["unit"] in ("K", "M", "G") else ""
            cells.append(f"{allocations['median']:g} {unit}".strip() if allocations else "–")
            lines.append(f"| {name} | " + " | ".join(cells) + " |")
    if host and host.get("memory"):
        memory = host["memory"]
        lines += ["", f"Heap per real server ({memory['realServers']:,} real servers): config model "
                  f"{memory['configBytesPerRealServer']:.0f} B, desired kernel state {memory['desiredBytesPerRealServer']:.0f} B, "
                  f"one full read {memory['observedBytesPerRealServer']:.0f} B, its mirror {memory.get('mirrorBytesPerRealServer', 0):.0f} B, "
                  f"no-op plan {memory['noOpPlanBytesPerRealServer']:.0f} B; kept between passes (config, desired, mirror) "
                  f"{memory.get('steadyStateBytesPerRealServer', 0):.0f} B; all of it "
                  f"{memory['totalBytesPerRealServer']:.0f} B (resident set grew {memory['residentBytesPerRealServer']:.0f} B)."]
    if report["goals"]:
        lines += ["", "| goal | measured | |", "|---|---|---|"]
        for goal in report["goals"]:
            lines.append(f"| {goal['goal']} | {goal['text']} | {'met' if goal['met'] else '**missed**'} |")
    return "\n".join(lines) + "\n"


def median(results, contender, workload):
    return results.get(contender, {}).get(workload, {}).get("medianSeconds")


def sweep_rows(sweep):
    """One row per number of services: each contender's medians and the ratios the goals name."""
    rows = []
    for point in sweep["points"]:
        results = point["results"]
        row = {"services": point["services"], "realServers": point["services"] * point["realServersPerService"],
               "runs": point["runs"]}
        for workload in ("W1", "W3", "W5"):
            for contender in ("ours", "ipvsadm", "floor"):
                row[f"{workload} {contender}"] = median(results, contender, workload)
        for name in sweep["builds"].get("read", []):
            row[f"W5 ours ({name})"] = median(results, f"ours ({name})", "W5")
        for name in sweep["builds"].get("start", []):
            row[f"start ({name})"] = median(results, f"ours ({name})", "start")
        row["W1 ours / floor"] = ratio(row["W1 ours"], row["W1 floor"])
        row["W5 ours / floor"] = ratio(row["W5 ours"], row["W5 floor"])
        row["W3 ours / W5 ours"] = ratio(row["W3 ours"], row["W5 ours"])
        row["W1 ipvsadm / ours"] = ratio(row["W1 ipvsadm"], row["W1 ours"])
        row["commands sent W3"] = results.get("ours", {}).get("W3", {}).get("ipvsCommands")
        rows.append(row)
    return rows


def sweep_markdown(report):
    sweep, rows = report["sweep"], report["sweep"]["rows"]
    env = sweep["environment"]
    lines = [f"Kernel lab sweep: N TCP services × 10 real servers, median of {sweep['runs']} rounds per size, "
             f"Linux {env['kernel']} under qemu (TCG, {env['cpus']} vCPUs) on {report['hostEnvironment']['cpuModel']}, "
             f"{report['hostEnvironment']['cpus']} cores; {report['hostEnvironment']['date']}.", "",
             "| services | W1 ours | W1 ipvsadm | W1 floor | W1 ours ÷ floor | W3 ours | W3 ÷ our W5 | "
             "W5 ours | W5 ipvsadm | W5 floor | W5 ours ÷ floor |",
             "|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|"]
    for row in rows:
        lines.append(f"| {row['services']:,} | {seconds(row['W1 ours'])} | {seconds(row['W1 ipvsadm'])} | "
                     f"{seconds(row['W1 floor'])} | {times(row['W1 ours / floor'])} | {seconds(row['W3 ours'])} | "
                     f"{times(row['W3 ours / W5 ours'])} | {seconds(row['W5 ours'])} | {seconds(row['W5 ipvsadm'])} | "
                     f"{seconds(row['W5 floor'])} | {times(row['W5 ours / floor'])} |")
    builds = sweep["builds"]
    if builds.get("start") or builds.get("read"):
        header = [f"start, {name}" for name in builds.get("start", [])] + [f"W5, {name}" for name in builds.get("read", [])]
        lines += ["", f"The builds compared (W1, W3 and W5 above ran `{sweep['tool']}`): process start is "
                  "`ipvsctl-swift version`.", "",
                  "| services | " + " | ".join(header) + " |", "|---:|" + "---:|" * len(header)]
        for row in rows:
            cells = [seconds(row.get(f"start ({name})")) for name in builds.get("start", [])]
            cells += [seconds(row.get(f"W5 ours ({name})")) for name in builds.get("read", [])]
            lines.append(f"| {row['services']:,} | " + " | ".join(cells) + " |")
    return "\n".join(lines) + "\n"


def main():
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--work", required=True, help="run.sh's work directory")
    parser.add_argument("--out", required=True)
    parser.add_argument("--markdown", required=True)
    parser.add_argument("--sweep", action="store_true", help="the size sweep (kernel-sweep.json) instead")
    args = parser.parse_args()

    if args.sweep:
        with open(os.path.join(args.work, "kernel-sweep.json")) as sweep_file:
            sweep = json.load(sweep_file)
        sweep["rows"] = sweep_rows(sweep)
        report = {"hostEnvironment": host_environment(), "sweep": sweep}
        with open(args.out, "w") as out:
            json.dump(report, out, indent=2, ensure_ascii=False)
        text = sweep_markdown(report)
        with open(args.markdown, "w") as out:
            out.write(text)
        print(text)
        return

    report = {}
    host_dir = os.path.join(args.work, "host")
    memory_path = os.path.join(args.work, "memory.json")
    if os.path.isdir(host_dir) or os.path.exists(memory_path):
        report["host"] = {"environment": host_environment(), "benchmarks": host_benchmarks(host_dir)}
        if os.path.exists(memory_path):
            with open(memory_path) as memory:
                report["host"]["memory"] = json.load(memory)
    kernel_path = os.path.join(args.work, "kernel.json")
    if os.path.exists(kernel_path):
        with open(kernel_path) as kernel_file:
            kernel = json.load(kernel_file)
        kernel["rows"] = kernel_rows(kernel)
        kernel["syscallRows"] = syscall_rows(kernel)
        report["kernel"] = kernel
    report["goals"] = goals(report)

    with open(args.out, "w") as out:
        json.dump(report, out, indent=2, ensure_ascii=False)
    text = markdown(report)
    with open(args.markdown, "w") as out:
        out.write(text)
    print(text)


if __name__ == "__main__":
    main()
