#!/usr/bin/python3
"""The size sweep; runs as root inside the kernel lab VM (`Benchmarks/run.sh --sweep` boots it).

For each number of services (x 10 real servers), the same side-by-side rounds as sidebyside.py
but only the workloads that bound a one-shot run: W1 cold apply, W3 no-op apply (ours only:
`ipvsadm -R` and the floor cannot tell a no-op), W5 full read. Each contender in its own fresh
network namespace, rounds rotating their order. Besides, every round times the process start
(`ipvsctl-swift version`) of each build given with --start, and `list` (W5) of each build
given with --read, so that a dynamically and a statically linked binary are compared in the
same VM run.

Writes one JSON file, rewritten after every size so that a long sweep cut short keeps what it
measured; report.py --sweep turns it into the table and plot.py into the plot.
"""

import argparse
import json
import os
import shutil
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import namespaces  # noqa: E402
import sidebyside  # noqa: E402
import workloads  # noqa: E402
from sidebyside import SCRATCH, Failure, checked, read_step, restore_step, saved_table  # noqa: E402


class SweepRound(sidebyside.Round):
    """A side-by-side round cut to W1, W3 and W5, plus the other builds' start and read."""
    prefix = "sweep"

    def __init__(self, contenders, index, samples, witness, builds):
        super().__init__(contenders, index, samples, witness)
        self.builds = builds

    def ours(self):
        ns = self.namespace("ours")
        ns.bind_vips(self.c.file("vips.batch"))
        state = os.path.join(SCRATCH, f"state-ours-{self.index}")
        with ns:
            self.ours_cold(self.samples.setdefault("ours", {}), state)
            for name, binary in self.builds["read"]:
                read_step([binary, "list"], self.samples.setdefault(f"ours ({name})", {}), "W5", self.rows, f"{name} W5")
            if self.index == 0:
                self.witness["ours"] = saved_table()
        ns.delete()

    def ipvsadm(self):
        ns = self.namespace("ipvsadm")
        samples = self.samples.setdefault("ipvsadm", {})
        with ns:
            restore_step(self.c, samples, "W1", "w1.rules")
            read_step(self.c.ipvsadm_read(), samples, "W5", self.rows, "ipvsadm W5")
            if self.index == 0:
                self.witness["ipvsadm"] = saved_table()
        ns.delete()

    def start(self):
        for name, binary in self.builds["start"]:
            result = checked(namespaces.run([binary, "version"], scratch=SCRATCH), f"{name} version")
            self.samples.setdefault(f"ours ({name})", {}).setdefault("start", []).append({"seconds": result.seconds})

    def run(self):
        order = [self.ours, self.ipvsadm] + ([self.floor] if self.c.floor else [])
        shift = self.index % len(order)
        self.start()
        for contender in order[shift:] + order[:shift]:
            contender()


def named(values):
    """NAME=PATH pairs, paths made absolute."""
    pairs = []
    for value in values:
        name, _, path = value.partition("=")
        if not path:
            raise SystemExit(f"sweep: expected NAME=PATH, got {value}")
        pairs.append((name, os.path.abspath(path)))
    return pairs


def point(args, services, runs, builds):
    shutil.rmtree(SCRATCH, ignore_errors=True)
    inputs = os.path.join(SCRATCH, "inputs")  # tmpfs in the guest: no 9p reads while timed
    args.services = services
    expected = workloads.write_all(inputs, services, args.real_servers)
    contenders = sidebyside.Contenders(args, inputs)
    builds = {kind: [(name, sidebyside.local_copy(path)) for name, path in pairs] for kind, pairs in builds.items()}
    sidebyside.warm_up(contenders)
    for _, binary in builds["start"] + builds["read"]:
        checked(namespaces.run([binary, "version"], scratch=SCRATCH), binary)
    samples, witness = {}, {}
    for index in range(runs):
        print(f"sweep: {services} services, round {index + 1} of {runs}", file=sys.stderr, flush=True)
        SweepRound(contenders, index, samples, witness, builds).run()
    wanted = sorted(workloads.rules_full(workloads.cold(services, args.real_servers)).splitlines())
    for name, table in witness.items():
        if table != wanted:
            raise Failure(f"{name} at {services} services: the kernel's table is not W1's (ipvsadm -Sn differs)")
    return {"services": services, "realServersPerService": args.real_servers, "runs": runs,
            "expectedCommands": expected, "tablesAgree": True, "results": sidebyside.summarize(samples)}


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--tool", required=True, help="the ipvsctl-swift binary W1, W3 and W5 run")
    parser.add_argument("--floor", help="the ipvs-floor binary; without it the floor column is left out")
    parser.add_argument("--sizes", default="1000,2000,5000,10000", help="numbers of services, comma-separated")
    parser.add_argument("--real-servers", type=int, default=10)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--start", action="append", default=[], metavar="NAME=PATH", help="a build whose start to time")
    parser.add_argument("--read", action="append", default=[], metavar="NAME=PATH", help="a build whose W5 to time too")
    parser.add_argument("--out", required=True)
    args = parser.parse_args()
    builds = {"start": named(args.start), "read": named(args.read)}

    result = {"sweep": True, "runs": args.runs, "tool": os.path.basename(args.tool), "floor": bool(args.floor),
              "builds": {kind: [name for name, _ in pairs] for kind, pairs in builds.items()},
              "environment": sidebyside.environment(), "points": []}
    for services in (int(size) for size in args.sizes.split(",")):
        result["points"].append(point(args, services, args.runs, builds))
        sidebyside.write(result, args.out)


if __name__ == "__main__":
    try:
        main()
    except Failure as failure:
        print(f"sweep: {failure}", file=sys.stderr)
        sys.exit(1)
