"""The node agent's reaction to a health verdict, against the size of the table it manages.

Runs inside the kernel lab. For each table size, a fresh namespace holds N services x 10 real
servers plus one health-checked service whose two backends are real TCP listeners; the agent
(`ipvsctl-swift run`) manages it all. Each round stops one listener and starts it again: the
agent's own histogram `ipvsctl_health_verdict_to_kernel_seconds` gives the time from each
verdict to the end of the kernel write it caused, and `ipvsadm -Ln` witnesses the write. Then
each round edits one service in the config file (one real server's weight, back and forth):
`ipvsctl_desired_change_to_kernel_seconds` gives the time from the file's change seen to the
end of the write, `ipvsadm` witnesses it; then the same edit with the services moved into
service files of 100 each (`serviceFiles`), where the edit is in one of them. The
same agent then runs one full pass (SIGHUP) for comparison, and its resident memory and idle
CPU are read from /proc. Last, its HTTP endpoints under load: `/metrics` scraped one at a time
(each a fresh kernel read), then by `wrk`; the health port by `wrk`, then probed while a few
hundred slow clients hold it with requests they never finish.

Usage: agent.py --tool BINARY [--services 100,10000] [--rounds 5] --out FILE.json
"""

import argparse
import json
import os
import signal
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from namespaces import Namespace, ip  # noqa: E402

CHECKED_VIP = "198.19.0.1"
BACKENDS = ["203.0.113.200", "203.0.113.201"]
METRICS = "127.0.0.1:9470"
HEALTH_PORT = 30080
ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..")
PEERS = os.path.join(ROOT, "Integration", "peers", "lab_peers.py")


def unit_environment():
    """The `Environment=` settings of the shipped systemd unit (the allocator's), so that the
    agent is measured as it runs on a node."""
    environment = {}
    with open(os.path.join(ROOT, "systemd", "ipvsctl-swift.service")) as unit:
        for line in unit:
            if line.startswith("Environment="):
                for assignment in line[len("Environment="):].split():
                    name, _, value = assignment.partition("=")
                    environment[name] = value
    return environment


SERVICES_PER_FILE = 100


def config(services, edited_weight=1, service_files=False):
    """The health-checked service, then N services of 10 real servers; the first real server of
    the first of those weighs `edited_weight`. With `service_files`, only the checked service:
    the others are in `service_files_text`'s files."""
    lines = [
        "node: node-a",
    ] + (["serviceFiles: [services.d/*.yaml]"] if service_files else []) + [
        "services:",
        "  - name: bench/checked",
        f"    clusterIPs: [{CHECKED_VIP}]",
        "    externalIPs: [198.19.0.2]",
        "    externalTrafficPolicy: Local",
        f"    healthCheckNodePort: {HEALTH_PORT}",
        "    ports: [{port: 80, targetPort: 8080}]",
        "    healthCheck: {type: tcp, intervalSeconds: 1, timeoutSeconds: 1, rise: 1, fall: 1}",
        "    endpoints: [" + ", ".join(f"{{address: {b}, node: node-a}}" for b in BACKENDS) + "]",
    ]
    if not service_files:
        lines += service_lines(range(services), edited_weight)
    return "\n".join(lines) + "\n"


def service_lines(indices, edited_weight=1):
    """Services `indices` of the N, as items of a `services` list."""
    reals = ", ".join(f"{{address: 203.0.113.{i}}}" for i in range(1, 11))
    edited = reals.replace("{address: 203.0.113.1}", f"{{address: 203.0.113.1, weight: {edited_weight}}}", 1)
    lines = []
    for i in indices:
        lines += [
            f"  - name: bench/s{i}",
            f"    clusterIPs: [198.18.{i // 250}.{i % 250 + 1}]",
            "    ports: [{port: 80}]",
            f"    endpoints: [{edited if i == 0 else reals}]",
        ]
    return lines


def service_file(services, part, edited_weight=1):
    """Service file `part`: SERVICES_PER_FILE of the N services, in order."""
    indices = range(part * SERVICES_PER_FILE, min(services, (part + 1) * SERVICES_PER_FILE))
    return "services:\n" + "\n".join(service_lines(indices, edited_weight)) + "\n"


def service_file_path(work, part):
    return os.path.join(work, "services.d", f"part-{part:04d}.yaml")


def listener(namespace, address):
    """A TCP listener that accepts and closes: what a TCP check needs."""
    code = (
        "import socket\n"
        "s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)\n"
        f"s.bind(('{address}', 8080)); s.listen(128)\n"
        "while True:\n    c, _ = s.accept(); c.close()\n"
    )
    return subprocess.Popen(["ip", "netns", "exec", namespace, sys.executable, "-c", code])


def metrics(ns):
    with ns:
        text = urllib.request.urlopen(f"http://{METRICS}/metrics", timeout=30).read().decode()
    values = {}
    for line in text.splitlines():
        if line and not line.startswith("#"):
            name, _, value = line.rpartition(" ")
            values[name] = float(value)
    return values


def ready(ns):
    try:
        with ns:
            return urllib.request.urlopen(f"http://{METRICS}/readyz", timeout=5).status == 200
    except OSError:
        return False


def observed(ns, histogram, act, seconds):
    """Does `act`, waits for the agent's `histogram` to count one more observation, and returns
    what it observed (the growth of its sum), in seconds."""
    before = metrics(ns)
    count = before.get(f"{histogram}_count", 0)
    act()
    wait(f"{histogram} to count the change", lambda: metrics(ns).get(f"{histogram}_count", 0) > count, seconds)
    return metrics(ns)[f"{histogram}_sum"] - before.get(f"{histogram}_sum", 0)


def settle(ns, sample, quiet=3, seconds=600):
    """Waits until `sample` has held still for `quiet` seconds."""
    deadline = time.monotonic() + seconds
    last, since = metrics(ns).get(sample, 0), time.monotonic()
    while time.monotonic() - since < quiet:
        if time.monotonic() > deadline:
            raise SystemExit(f"agent.py: {sample} did not settle")
        time.sleep(0.5)
        value = metrics(ns).get(sample, 0)
        if value != last:
            last, since = value, time.monotonic()


def wait(what, condition, seconds):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(0.05)
    raise SystemExit(f"agent.py: timed out waiting for {what}")


def backends_in_kernel(namespace):
    out = subprocess.run(
        ["ip", "netns", "exec", namespace, "ipvsadm", "-Ln", "-t", f"{CHECKED_VIP}:80"],
        capture_output=True, text=True, check=True,
    ).stdout
    return {b for b in BACKENDS if f"{b}:8080" in out}


def edited_weight_in_kernel(namespace):
    """The weight of the edited real server, as `ipvsadm` lists it."""
    out = subprocess.run(
        ["ip", "netns", "exec", namespace, "ipvsadm", "-Ln", "-t", "198.18.0.1:80"],
        capture_output=True, text=True, check=True,
    ).stdout
    for line in out.splitlines():
        words = line.split()
        if len(words) >= 4 and words[1] == "203.0.113.1:80":
            return int(words[3])
    return None


def write_atomically(path, text):
    with open(path + ".new", "w") as f:
        f.write(text)
    os.rename(path + ".new", path)


def cpu_seconds(pid):
    fields = open(f"/proc/{pid}/stat").read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def resident_mib(pid):
    for line in open(f"/proc/{pid}/status"):
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return None


def resident_parts_mib(pid):
    """The resident set split as /proc/PID/smaps_rollup splits it: anonymous memory (the heap,
    stacks) and the rest (pages of the binary and the shared libraries it touched)."""
    fields = {}
    for line in open(f"/proc/{pid}/smaps_rollup"):
        parts = line.split()
        if len(parts) == 3 and parts[2] == "kB":
            fields[parts[0].rstrip(":")] = int(parts[1]) / 1024
    return {"anonymous": round(fields["Anonymous"], 1), "files": round(fields["Rss"] - fields["Anonymous"], 1)}


def largest_mappings(pid, count=12):
    """The mappings holding the most resident memory, for the log: what a smaller resident set
    would have to cut."""
    mappings, name = [], None
    for line in open(f"/proc/{pid}/smaps"):
        parts = line.split()
        if "-" in parts[0] and len(parts) >= 5:
            name = parts[5] if len(parts) > 5 else "[anonymous]"
        elif parts[0] == "Rss:":
            mappings.append((int(parts[1]), name))
    merged = {}
    for kib, name in mappings:
        merged[name] = merged.get(name, 0) + kib
    return sorted(merged.items(), key=lambda item: -item[1])[:count]


def anonymous_mappings(pid, count=8):
    """The anonymous mappings holding the most resident memory, each with its size, for the log:
    an arena (64 MiB reserved), a block of its own (128 KiB or more, unmapped when freed) and a
    thread's stack (8 MiB reserved) look apart."""
    mappings, current = [], None
    for line in open(f"/proc/{pid}/smaps"):
        parts = line.split()
        if "-" in parts[0] and len(parts) >= 5:
            start, end = (int(x, 16) for x in parts[0].split("-"))
            current = (end - start) // 1024 if len(parts) == 5 else None
        elif parts[0] == "Rss:" and current is not None:
            mappings.append((int(parts[1]), current))
    return len(mappings), sorted(mappings, key=lambda item: -item[0])[:count]


def wrk(namespace, url):
    """Requests per second, latency percentiles and timeouts of 10 s of `wrk` (2 threads, 32
    connections). A request may take 30 s: wrk's default of 2 s counts a 10,000-service scrape as
    a timeout and leaves its latency out."""
    out = subprocess.run(
        ["ip", "netns", "exec", namespace, "wrk", "-t2", "-c32", "-d10s", "--timeout", "30s", "--latency", url],
        capture_output=True, text=True, check=True,
    ).stdout
    figures = {}
    for line in out.splitlines():
        words = line.split()
        if line.startswith("Requests/sec:"):
            figures["requests_per_second"] = float(words[1])
        elif len(words) == 2 and words[0] in ("50%", "99%"):
            value = words[1]
            scale = {"us": 0.001, "ms": 1, "s": 1000}[value.lstrip("0123456789.")]
            figures[f"p{words[0][:-1]}_ms"] = round(float(value.rstrip("usm")) * scale, 3)
        elif "Non-2xx or 3xx responses" in line:
            figures["non_2xx"] = int(words[-1])
        elif line.strip().startswith("Socket errors:"):
            figures["timeouts"] = int(line.rsplit("timeout", 1)[1].strip())
    return figures


def endpoints_under_load(ns, namespace):
    """/metrics one scrape at a time, then with wrk; the health port with wrk, then probed beside
    300 slow clients."""
    scrapes = []
    for _ in range(10):
        time.sleep(1.1)  # past the agent's one-second reuse of a read: each scrape reads the kernel
        with ns:
            started = time.perf_counter()
            urllib.request.urlopen(f"http://{METRICS}/metrics", timeout=60).read()
            scrapes.append((time.perf_counter() - started) * 1000)
    results = {
        "scrape_ms_median": round(statistics.median(scrapes), 1),
        "scrape_ms_max": round(max(scrapes), 1),
        "wrk_metrics": wrk(namespace, f"http://{METRICS}/metrics"),
        "wrk_health_port": wrk(namespace, f"http://127.0.0.1:{HEALTH_PORT}/"),
    }
    stop = tempfile.mktemp(prefix="ipvsctl-agent-bench-stop-")
    slow = subprocess.Popen(
        ["ip", "netns", "exec", namespace, sys.executable, PEERS, "http-slow", "127.0.0.1", str(HEALTH_PORT), "300", stop],
        stdout=subprocess.PIPE, text=True)
    time.sleep(5)
    probe = subprocess.run(
        ["ip", "netns", "exec", namespace, sys.executable, PEERS, "http-probe", "127.0.0.1", str(HEALTH_PORT), "200"],
        capture_output=True, text=True, check=True).stdout.strip()
    open(stop, "w").close()
    results["probes_beside_300_slow_clients"] = probe
    results["slow_clients"] = slow.communicate(timeout=60)[0].strip()
    os.unlink(stop)
    return results


def measure(tool, services, rounds):
    name = f"agent-{services}"
    ns = Namespace(name)
    work = tempfile.mkdtemp(prefix="ipvsctl-agent-bench-")
    for backend in BACKENDS:
        ip("-n", name, "address", "add", f"{backend}/32", "dev", "bench0")
    listeners = {b: listener(name, b) for b in BACKENDS}
    path = os.path.join(work, "config.yaml")
    with open(path, "w") as f:
        f.write(config(services))
    started = time.monotonic()
    agent = subprocess.Popen(
        ["ip", "netns", "exec", name, tool, "run", "--config", path, "--node", "node-a",
         "--state-dir", os.path.join(work, "state"), "--metrics-address", METRICS, "--resync-interval", "3600"],
        stdout=subprocess.DEVNULL, stderr=open(os.path.join(work, "agent.log"), "w"),
        env={**os.environ, **unit_environment()},
    )
    try:
        wait("the agent to be ready", lambda: ready(ns), 1800)
        ready_seconds = time.monotonic() - started
        wait("both checked backends in the kernel", lambda: backends_in_kernel(name) == set(BACKENDS), 120)
        # The pass that wrote them records its verdicts' delay after the write: let it, or the
        # first round takes that observation (the start-up's, seconds long at 10,000) for its own.
        settle(ns, "ipvsctl_health_verdict_to_kernel_seconds_count")
        latencies = []
        for _ in range(rounds):
            for up in (False, True):
                def act():
                    if up:
                        listeners[BACKENDS[0]] = listener(name, BACKENDS[0])
                    else:
                        listeners[BACKENDS[0]].kill()
                        listeners[BACKENDS[0]].wait()
                latencies.append(observed(ns, "ipvsctl_health_verdict_to_kernel_seconds", act, 120))
                expected = set(BACKENDS) if up else {BACKENDS[1]}
                wait("ipvsadm to show the change", lambda: backends_in_kernel(name) == expected, 30)

        # One service edited in the file, round after round.
        edits = []
        for index in range(rounds * 2):
            weight = 2 + index % 2
            edits.append(observed(
                ns, "ipvsctl_desired_change_to_kernel_seconds",
                lambda: write_atomically(path, config(services, edited_weight=weight)), 600))
            wait("ipvsadm to show the edit", lambda: edited_weight_in_kernel(name) == weight, 30)
        scoped = metrics(ns).get("ipvsctl_scoped_reconciles_total", 0)

        # The same services in service files of SERVICES_PER_FILE each, then the same edit in the
        # first file. The files are written, and left to settle (a file changed within two
        # seconds is read again and hashed), before the config names them.
        os.makedirs(os.path.join(work, "services.d"))
        parts = (services + SERVICES_PER_FILE - 1) // SERVICES_PER_FILE
        for part in range(parts):
            with open(service_file_path(work, part), "w") as f:
                f.write(service_file(services, part, edited_weight=3))
        time.sleep(2.5)
        reloads = metrics(ns).get('ipvsctl_config_reloads_total{result="success"}', 0)
        write_atomically(path, config(services, service_files=True))
        wait("the config with service files loaded",
             lambda: metrics(ns).get('ipvsctl_config_reloads_total{result="success"}', 0) > reloads, 600)
        file_edits = []
        for index in range(rounds * 2):
            weight = 2 + index % 2
            file_edits.append(observed(
                ns, "ipvsctl_desired_change_to_kernel_seconds",
                lambda: write_atomically(service_file_path(work, 0), service_file(services, 0, edited_weight=weight)), 600))
            wait("ipvsadm to show the file's edit", lambda: edited_weight_in_kernel(name) == weight, 30)

        # One full pass: SIGHUP reads the config again, then reads and plans the whole table.
        before = metrics(ns)
        agent.send_signal(signal.SIGHUP)
        wait("the full pass", lambda: metrics(ns)["ipvsctl_reconcile_duration_seconds_count"]
             > before["ipvsctl_reconcile_duration_seconds_count"], 600)
        after = metrics(ns)
        full = after["ipvsctl_reconcile_duration_seconds_sum"] - before["ipvsctl_reconcile_duration_seconds_sum"]

        # Idle: two targets probed every second, nothing else.
        cpu_before, idle_start = cpu_seconds(agent.pid), time.monotonic()
        time.sleep(20)
        idle_cpu = (cpu_seconds(agent.pid) - cpu_before) / (time.monotonic() - idle_start) * 100
        resident = resident_mib(agent.pid)
        resident_parts = resident_parts_mib(agent.pid)
        for mapping, kib in largest_mappings(agent.pid):
            print(f"agent.py: {services} services: {kib / 1024:.1f} MiB resident in {mapping}", file=sys.stderr)
        number, largest = anonymous_mappings(agent.pid)
        print(f"agent.py: {services} services: {number} anonymous mappings; the largest, resident of size: "
              + ", ".join(f"{rss / 1024:.1f} of {size / 1024:.1f} MiB" for rss, size in largest), file=sys.stderr)
        load = endpoints_under_load(ns, name)
        return {
            "services": services,
            "real_servers": services * 10 + 2,
            "ready_seconds": round(ready_seconds, 2),
            "verdict_to_kernel_ms": [round(s * 1000, 3) for s in latencies],
            "verdict_to_kernel_median_ms": round(statistics.median(latencies) * 1000, 3),
            "edit_to_kernel_ms": [round(s * 1000, 3) for s in edits],
            "edit_to_kernel_median_ms": round(statistics.median(edits) * 1000, 3),
            "service_file_edit_to_kernel_ms": [round(s * 1000, 3) for s in file_edits],
            "service_file_edit_to_kernel_median_ms": round(statistics.median(file_edits) * 1000, 3),
            "scoped_passes": scoped,
            "full_pass_ms": round(full * 1000, 1),
            "resident_mib": resident,
            "resident_parts_mib": resident_parts,
            "idle_cpu_percent": round(idle_cpu, 2),
            "endpoints": load,
        }
    finally:
        agent.send_signal(signal.SIGTERM)
        agent.wait()
        for process in listeners.values():
            process.kill()
        ns.delete()


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--tool", required=True)
    parser.add_argument("--services", default="100,10000")
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--out", required=True)
    args = parser.parse_args()
    results = [measure(args.tool, int(n), args.rounds) for n in args.services.split(",")]
    kernel = os.uname().release
    with open(args.out, "w") as f:
        json.dump({"kernel": kernel, "rounds": args.rounds, "results": results}, f, indent=2)
    print("| services | real servers | verdict to kernel, median | one-service config edit to kernel, median "
          f"| the same edit, service files of {SERVICES_PER_FILE} "
          "| full pass (SIGHUP) | resident | idle CPU | ready after |")
    print("|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
    for r in results:
        print(f"| {r['services']:,} | {r['real_servers']:,} | {r['verdict_to_kernel_median_ms']:.1f} ms | "
              f"{r['edit_to_kernel_median_ms']:,.1f} ms | {r['service_file_edit_to_kernel_median_ms']:,.1f} ms | "
              f"{r['full_pass_ms']:,.0f} ms | {r['resident_mib']:.1f} MiB | {r['idle_cpu_percent']:.1f} % | "
              f"{r['ready_seconds']:.0f} s |")
    print()
    print("| services | /metrics, one scrape (median / max) | /metrics under wrk | health port under wrk | health probes beside 300 slow clients |")
    print("|---:|---:|---:|---:|---|")
    for r in results:
        e = r["endpoints"]
        m, h = e["wrk_metrics"], e["wrk_health_port"]
        print(f"| {r['services']:,} | {e['scrape_ms_median']} / {e['scrape_ms_max']} ms | "
              f"{m.get('requests_per_second', 0):,.1f}/s, p50 {m.get('p50_ms')} ms, p99 {m.get('p99_ms')} ms, "
              f"{m.get('timeouts', 0)} timed out | "
              f"{h.get('requests_per_second', 0):,.0f}/s, p50 {h.get('p50_ms')} ms, p99 {h.get('p99_ms')} ms | "
              f"{e['probes_beside_300_slow_clients']} |")


if __name__ == "__main__":
    main()
