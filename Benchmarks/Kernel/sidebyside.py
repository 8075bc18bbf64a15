#!/usr/bin/python3
"""The side-by-side kernel benchmark; runs as root inside the kernel lab VM (Benchmarks/run.sh
boots it). Every contender works in its own fresh network namespace, on the same inputs
(workloads.py), in the same VM run; rounds rotate the contenders' order so that drift in the
machine's load spreads over all of them.

Contenders:
  ours         `ipvsctl-swift apply` (config parsing, endpoint selection, planning, ledger
               included) with the VIPs bound beforehand: the IPVS work only, as the others do
  ours+vips    the same W1, with `apply` binding the 2,000 VIPs itself (the product default)
  ipvsadm      `ipvsadm -R` of the equivalent rules, `ipvsadm -Sn` for the read
  floor        ipvs-floor (raw batched netlink in C), when its binary is given

Writes one JSON file; report.py turns it into the table.
"""

import argparse
import json
import os
import platform
import re
import shutil
import statistics
import subprocess
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import namespaces  # noqa: E402
import syscalls  # noqa: E402
import workloads  # noqa: E402

SCRATCH = "/tmp/ipvs-bench"
# Where the binaries timed run from: the guest's tmpfs. Run from the host's share (9p) instead,
# every exec paged the binary in again, whatever ran before: `ipvsctl-swift version` took
# 0.82-1.04 s from there against 0.37-0.54 s from tmpfs (2026-12-05), a cost of the lab, not of
# a node, which runs its binaries from its own disk through the page cache.
BINARIES = "/dev/shm/ipvs-bench"
APPLIED = re.compile(r"(\d+) IPVS commands, (\d+) address commands")


class Failure(Exception):
    pass


def checked(result, what):
    if result.status != 0:
        raise Failure(f"{what} exited {result.status}: {result.stderr.strip()[-2000:]}")
    return result


_copies = {}


def local_copy(path):
    """`path` copied to BINARIES (once per run), where every contender runs from."""
    if path not in _copies:
        os.makedirs(BINARIES, exist_ok=True)
        copy = os.path.join(BINARIES, f"{len(_copies)}-{os.path.basename(path)}")
        shutil.copy2(path, copy)
        _copies[path] = copy
    return _copies[path]


class Contenders:
    def __init__(self, args, inputs):
        self.tool = local_copy(os.path.abspath(args.tool))
        self.floor = local_copy(os.path.abspath(args.floor)) if args.floor else None
        # ipvsadm too, though small (its libraries, as ours, stay where the system has them).
        self.ipvsadm = local_copy(shutil.which("ipvsadm"))
        self.inputs = inputs
        self.services = args.services
        self.per_service = args.real_servers

    def file(self, name):
        return os.path.join(self.inputs, name)

    def ours_apply(self, config, state_dir):
        return [self.tool, "apply", "--config", self.file(config), "--node", "bench", "--state-dir", state_dir]

    def ours_read(self):
        return [self.tool, "list"]

    def ipvsadm_restore(self):
        return [self.ipvsadm, "-R"]

    def ipvsadm_read(self):
        return [self.ipvsadm, "-Sn"]

    def floor_apply(self):
        return [self.floor, "apply", str(self.services), str(self.per_service)]

    def floor_read(self):
        return [self.floor, "read"]


def ours_step(contenders, samples, workload, config, state_dir):
    result = checked(namespaces.run(contenders.ours_apply(config, state_dir), scratch=SCRATCH), f"ours {workload}")
    applied = APPLIED.search(result.stdout)
    if not applied:
        raise Failure(f"ours {workload}: no command count in {result.stdout[-500:]!r}")
    samples.setdefault(workload, []).append({
        "seconds": result.seconds, "maxRssKiB": result.max_rss_kib,
        "ipvsCommands": int(applied.group(1)), "addressCommands": int(applied.group(2)),
    })
    return result


def read_step(command, samples, workload, expect_lines, what):
    result = checked(namespaces.run(command, scratch=SCRATCH), what)
    lines = result.stdout.count("\n")
    if lines < expect_lines:
        raise Failure(f"{what}: read {lines} lines, expected at least {expect_lines}")
    samples.setdefault(workload, []).append({"seconds": result.seconds, "maxRssKiB": result.max_rss_kib})


def restore_step(contenders, samples, workload, rules):
    result = checked(namespaces.run(contenders.ipvsadm_restore(), stdin=contenders.file(rules), scratch=SCRATCH),
                     f"ipvsadm {workload}")
    if result.stderr.strip():
        raise Failure(f"ipvsadm {workload}: {result.stderr.strip()[:500]}")
    samples.setdefault(workload, []).append({"seconds": result.seconds, "maxRssKiB": result.max_rss_kib})


def saved_table():
    """The table as `ipvsadm -Sn` saves it, sorted: the witness that contenders agree."""
    return sorted(checked(namespaces.run(["ipvsadm", "-Sn"], scratch=SCRATCH), "ipvsadm -Sn").stdout.splitlines())


class Round:
    """One round: each contender in a fresh namespace of its own, in an order that rotates."""
    prefix = "bench"  # of the namespaces' names

    def __init__(self, contenders, index, samples, witness):
        self.c = contenders
        self.index = index
        self.samples = samples
        self.witness = witness  # round 0 keeps each contender's final table to compare
        self.rows = contenders.services * (contenders.per_service + 1)

    def namespace(self, contender):
        return namespaces.Namespace(f"{self.prefix}-{contender}-{self.index}")

    def ours_cold(self, samples, state):
        """W1 cold apply, W5 full read, W3 the same file again: what every round of ours starts with."""
        ours_step(self.c, samples, "W1", "w1.yaml", state)
        read_step(self.c.ours_read(), samples, "W5", self.rows, "ours W5")
        ours_step(self.c, samples, "W3", "w1.yaml", state)

    def ours(self):
        ns = self.namespace("ours")
        ns.bind_vips(self.c.file("vips.batch"))
        state = os.path.join(SCRATCH, f"state-ours-{self.index}")
        samples = self.samples.setdefault("ours", {})
        with ns:
            self.ours_cold(samples, state)
            ours_step(self.c, samples, "W2", "w2.yaml", state)
            ours_step(self.c, samples, "W4down", "w4-down.yaml", state)
            ours_step(self.c, samples, "W4up", "w2.yaml", state)
            if self.index == 0:
                self.witness["ours"] = saved_table()
        ns.delete()

    def ours_binding(self):
        ns = self.namespace("bind")
        state = os.path.join(SCRATCH, f"state-bind-{self.index}")
        with ns:
            ours_step(self.c, self.samples.setdefault("ours+vips", {}), "W1", "w1.yaml", state)
        ns.delete()

    def ipvsadm(self):
        ns = self.namespace("ipvsadm")
        samples = self.samples.setdefault("ipvsadm", {})
        with ns:
            restore_step(self.c, samples, "W1", "w1.rules")
            read_step(self.c.ipvsadm_read(), samples, "W5", self.rows, "ipvsadm W5")
            restore_step(self.c, samples, "W2", "w2.rules")
            restore_step(self.c, samples, "W4down", "w4-down.rules")
            restore_step(self.c, samples, "W4up", "w4-up.rules")
            if self.index == 0:
                self.witness["ipvsadm"] = saved_table()
        ns.delete()

    def floor(self):
        ns = self.namespace("floor")
        samples = self.samples.setdefault("floor", {})
        with ns:
            result = checked(namespaces.run(self.c.floor_apply(), scratch=SCRATCH), "floor W1")
            if " errors=0 " not in result.stdout:
                raise Failure(f"floor W1: {result.stdout.strip()}")
            samples.setdefault("W1", []).append({"seconds": result.seconds, "maxRssKiB": result.max_rss_kib,
                                                 "selfReported": result.stdout.strip()})
            result = checked(namespaces.run(self.c.floor_read(), scratch=SCRATCH), "floor W5")
            samples.setdefault("W5", []).append({"seconds": result.seconds, "maxRssKiB": result.max_rss_kib,
                                                 "selfReported": result.stdout.strip()})
            if self.index == 0:
                self.witness["floor after W1"] = saved_table()
        ns.delete()

    def run(self):
        order = [self.ours, self.ours_binding, self.ipvsadm] + ([self.floor] if self.c.floor else [])
        shift = self.index % len(order)
        for contender in order[shift:] + order[:shift]:
            contender()


def traced(command, trace, stdin=None):
    result = checked(namespaces.run(["strace", "-f", "-qq", "-e", "signal=none", "-o", trace, *command], stdin=stdin,
                                    scratch=SCRATCH), " ".join(command[:2]))
    return syscalls.count(trace), result


def syscall_pass(c):
    """One traced pass per contender, apart from the timed rounds (strace slows every call)."""
    counts = {}
    trace = os.path.join(SCRATCH, "trace")
    ns = namespaces.Namespace("bench-strace-ours")
    ns.bind_vips(c.file("vips.batch"))
    state = os.path.join(SCRATCH, "state-strace")
    with ns:
        ours = counts["ours"] = {}
        for workload, config in (("W1", "w1.yaml"), ("W3", "w1.yaml"), ("W2", "w2.yaml")):
            ours[workload], _ = traced(c.ours_apply(config, state), trace)
        ours["W5"], _ = traced(c.ours_read(), trace)
    ns.delete()
    ns = namespaces.Namespace("bench-strace-ipvsadm")
    with ns:
        theirs = counts["ipvsadm"] = {}
        theirs["W1"], _ = traced(c.ipvsadm_restore(), trace, stdin=c.file("w1.rules"))
        theirs["W5"], _ = traced(c.ipvsadm_read(), trace)
        theirs["W2"], _ = traced(c.ipvsadm_restore(), trace, stdin=c.file("w2.rules"))
    ns.delete()
    if c.floor:
        ns = namespaces.Namespace("bench-strace-floor")
        with ns:
            floor = counts["floor"] = {}
            floor["W1"], _ = traced(c.floor_apply(), trace)
            floor["W5"], _ = traced(c.floor_read(), trace)
        ns.delete()
    os.remove(trace)
    return counts


def warm_up(c):
    """Page the binaries' libraries in untimed (the binaries are copies in tmpfs)."""
    ns = namespaces.Namespace("bench-warm")
    with ns:
        for command in ([c.tool, "version"], [c.ipvsadm, "-Ln"]) + (([c.floor, "read"],) if c.floor else ()):
            checked(namespaces.run(command, scratch=SCRATCH), command[0])
    ns.delete()


def summarize(samples):
    out = {}
    for contender, by_workload in samples.items():
        out[contender] = {}
        for workload, runs in by_workload.items():
            seconds = [run["seconds"] for run in runs]
            # No peak RSS here: wait4's ru_maxrss keeps the forked driver's from before exec.
            entry = {"medianSeconds": statistics.median(seconds), "seconds": seconds}
            if "ipvsCommands" in runs[0]:
                entry["ipvsCommands"] = sorted({run["ipvsCommands"] for run in runs})
                entry["addressCommands"] = sorted({run["addressCommands"] for run in runs})
            if "selfReported" in runs[0]:
                entry["selfReported"] = [run["selfReported"] for run in runs]
            out[contender][workload] = entry
    return out


def environment():
    def first(command):
        try:
            return subprocess.run(command, capture_output=True, text=True).stdout.strip().splitlines()[0]
        except (OSError, IndexError):
            return None
    model = None
    with open("/proc/cpuinfo") as cpuinfo:
        for line in cpuinfo:
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    return {"kernel": platform.release(), "cpus": os.cpu_count(), "cpuModel": model,
            "ipvsadm": first(["ipvsadm", "--version"]), "memory": first(["grep", "MemTotal", "/proc/meminfo"])}


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--tool", required=True, help="the ipvsctl-swift binary (a release build)")
    parser.add_argument("--floor", help="the ipvs-floor binary; without it the floor column is left out")
    parser.add_argument("--services", type=int, default=2000)
    parser.add_argument("--real-servers", type=int, default=10)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--no-strace", action="store_true", help="skip the traced pass")
    parser.add_argument("--out", required=True)
    args = parser.parse_args()

    shutil.rmtree(SCRATCH, ignore_errors=True)
    inputs = os.path.join(SCRATCH, "inputs")  # tmpfs in the guest: no 9p reads while timed
    expected = workloads.write_all(inputs, args.services, args.real_servers)
    contenders = Contenders(args, inputs)
    warm_up(contenders)

    samples, witness = {}, {}
    for index in range(args.runs):
        print(f"sidebyside: round {index + 1} of {args.runs}", file=sys.stderr, flush=True)
        Round(contenders, index, samples, witness).run()
    # What ipvsadm -Sn must print: the rules that build the table, sorted.
    w1 = workloads.cold(args.services, args.real_servers)
    wanted = {"ours": workloads.churned(w1, args.real_servers), "ipvsadm": workloads.churned(w1, args.real_servers),
              "floor after W1": w1}
    for name, table in witness.items():
        if table != sorted(workloads.rules_full(wanted[name]).splitlines()):
            raise Failure(f"{name}: the kernel's table is not the workload's (ipvsadm -Sn differs)")
    result = {
        "services": args.services, "realServersPerService": args.real_servers, "runs": args.runs,
        "expectedCommands": expected, "environment": environment(), "floor": bool(contenders.floor),
        "tablesAgree": True, "results": summarize(samples), "syscalls": {},
    }
    write(result, args.out)  # the timed results stand even if the traced pass fails
    if not args.no_strace:
        print("sidebyside: traced pass", file=sys.stderr, flush=True)
        result["syscalls"] = syscall_pass(contenders)
        write(result, args.out)


def write(result, path):
    with open(path, "w") as out:
        json.dump(result, out, indent=2)
    print(f"sidebyside: wrote {path}", file=sys.stderr, flush=True)


if __name__ == "__main__":
    try:
        main()
    except Failure as failure:
        print(f"sidebyside: {failure}", file=sys.stderr)
        sys.exit(1)
