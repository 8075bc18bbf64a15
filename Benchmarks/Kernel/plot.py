#!/usr/bin/env python3
"""Plots the size sweep (report.py --sweep's JSON): time against the number of services for
W1 cold apply, W3 no-op apply and W5 full read, one panel each, every contender a line.
Needs matplotlib; Benchmarks/run.sh --sweep installs it into a venv of its own."""

import argparse
import json

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

PANELS = [("W1", "W1 cold apply"), ("W3", "W3 no-op apply"), ("W5", "W5 full read")]
LINES = [("ours", "ipvsctl-swift", "o-"), ("ipvsadm", "ipvsadm", "s--"), ("floor", "floor (C, raw netlink)", "^:")]


def main():
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("report", help="the JSON report.py --sweep wrote")
    parser.add_argument("--out", required=True, help="the PNG to write")
    args = parser.parse_args()
    with open(args.report) as source:
        report = json.load(source)
    sweep, env = report["sweep"], report["sweep"]["environment"]
    rows = sweep["rows"]
    services = [row["services"] for row in rows]

    figure, axes = plt.subplots(1, len(PANELS), figsize=(15, 4.8), sharex=True)
    for axis, (workload, title) in zip(axes, PANELS):
        for contender, label, style in LINES:
            values = [row.get(f"{workload} {contender}") for row in rows]
            points = [(n, v) for n, v in zip(services, values) if v is not None]
            if points:
                axis.plot([n for n, _ in points], [v for _, v in points], style, label=label)
        if workload == "W3":
            # W3's goal is our own full read: drawn for reference.
            axis.plot(services, [row.get("W5 ours") for row in rows], "o:", color="grey", alpha=0.6,
                      label="ipvsctl-swift W5 (reference)")
        axis.set_title(title)
        axis.set_xlabel("virtual services (× 10 real servers)")
        axis.set_ylabel("seconds (median)")
        axis.set_xlim(left=0)
        axis.set_ylim(bottom=0)
        axis.grid(True, alpha=0.3)
        axis.legend(fontsize=8)
    figure.suptitle(f"Kernel lab: Linux {env['kernel']} under qemu TCG, {env['cpus']} vCPUs, "
                    f"{report['hostEnvironment']['cpuModel']}; {report['hostEnvironment']['date']}, "
                    f"median of {sweep['runs']} rounds", fontsize=10)
    figure.tight_layout()
    figure.savefig(args.out, dpi=110)
    print(f"plot: wrote {args.out}")


if __name__ == "__main__":
    main()
