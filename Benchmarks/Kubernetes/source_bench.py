#!/usr/bin/env python3
"""The Kubernetes source at scale, in the kernel lab: one node's agent fed by the fake API server.

Measures, at N Services x E endpoints (2,000 x 10 by default):
  * event to kernel: an EndpointSlice edit POSTed to the API server until the agent has written
    it (the agent's own ipvsctl_desired_change_to_kernel_seconds, and the wall clock from the
    POST until ipvsadm shows the new real server), and how many of those passes were scoped;
  * a relist with nothing changed: history compacted and watches dropped, every collection
    listed again (410), and the kernel commands sent (expected: 0), with the time it took;
  * memory: the agent's resident set with N Services against one with none, per Service.
Run it where IPVS is: Integration/lab.sh run -- python3 Benchmarks/Kubernetes/source_bench.py
Standard library only. Prints a Markdown table and writes the numbers as JSON (--output).
"""
import argparse
import json
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
FAKE = os.path.join(REPO, "Integration/fake-apiserver")
TOOL = os.path.join(REPO, ".build/release/ipvsctl-swift")
NS = "k8sbench"


def sh(*args, check=True, capture=True):
    return subprocess.run(args, check=check, text=True, stdout=subprocess.PIPE if capture else None,
                          stderr=subprocess.PIPE if capture else None).stdout


def in_ns(*args, **kw):
    return sh("ip", "netns", "exec", NS, *args, **kw)


def objects(services, endpoints):
    node = {"apiVersion": "v1", "kind": "Node", "metadata": {"name": "node-a", "labels": {"topology.kubernetes.io/zone": "z1"}},
            "status": {"addresses": [{"type": "InternalIP", "address": "192.0.2.1"}]}}
    items = [node]
    for i in range(services):
        vip = f"198.18.{i // 250}.{i % 250 + 1}"
        name = f"svc-{i}"
        items.append({"apiVersion": "v1", "kind": "Service", "metadata": {"name": name, "namespace": "bench"},
                      "spec": {"type": "ClusterIP", "clusterIP": vip, "clusterIPs": [vip],
                               "ports": [{"name": "http", "protocol": "TCP", "port": 80, "targetPort": 8080}]}})
        items.append(slice_(i, endpoints))
    return {"apiVersion": "v1", "kind": "List", "items": items}


def endpoint_address(i, k):
    """Endpoint k of Service i, in 10.0.0.0/8: 16 addresses per Service (edits take the ones
    after the first `endpoints`), room for a million Services. (198.19.0.0/16 ran out of octets
    past 4,000 Services: the agent rightly skipped what it could not parse, and the 10,000 run
    waited for real servers that could never come.)"""
    n = i * 16 + k + 1
    return f"10.{n >> 16 & 255}.{n >> 8 & 255}.{n & 255}"


def slice_(i, endpoints, first=0):
    return {"apiVersion": "discovery.k8s.io/v1", "kind": "EndpointSlice",
            "metadata": {"name": f"svc-{i}-x", "namespace": "bench", "labels": {"kubernetes.io/service-name": f"svc-{i}"}},
            "addressType": "IPv4",
            "endpoints": [{"addresses": [endpoint_address(i, k)], "nodeName": "node-a"} for k in range(first, first + endpoints)],
            "ports": [{"name": "http", "protocol": "TCP", "port": 8080}]}


class Fake:
    def __init__(self, work, objects_file):
        self.work = work
        sh(os.path.join(FAKE, "make-certs.sh"), work)
        with open(f"{work}/token", "w") as f:
            f.write("bench\n")
        port_file = f"{work}/port"
        args = ["ip", "netns", "exec", NS, "python3", os.path.join(FAKE, "fake_apiserver.py"), "--quiet", "--listen", "127.0.0.1",
                "--port", "0", "--port-file", port_file, "--tls-cert", f"{work}/server.crt", "--tls-key", f"{work}/server.key",
                "--token", "bench", "--history", "100000", "--bookmark-interval", "0"]
        if objects_file:
            args += ["--objects", objects_file]
        self.process = subprocess.Popen(args, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        for _ in range(600):
            if os.path.exists(port_file) and open(port_file).read().strip():
                break
            time.sleep(0.1)
        self.url = f"https://127.0.0.1:{open(port_file).read().strip()}"
        sh("python3", os.path.join(FAKE, "fake_apiserver.py"), "kubeconfig", "--server", self.url, "--ca", f"{work}/ca.crt",
           "--token-file", f"{work}/token", "-o", f"{work}/kubeconfig")

    def control(self, path, body="{}"):
        return in_ns("curl", "-sS", "-f", "-m", "60", "--cacert", f"{self.work}/ca.crt", "-X", "POST",
                     "-H", "Content-Type: application/json", "--data-binary", body, f"{self.url}/_fake/{path}")

    def stop(self):
        self.process.terminate()
        self.process.wait()


class Agent:
    def __init__(self, work, kubeconfig):
        self.log = open(f"{work}/agent.log", "w")
        self.process = subprocess.Popen(
            ["ip", "netns", "exec", NS, TOOL, "run", "--kubeconfig", kubeconfig, "--node", "node-a", "--state-dir", f"{work}/state",
             "--metrics-address", "127.0.0.1:9469", "--resync-interval", "3600"],
            stdin=subprocess.DEVNULL, stdout=self.log, stderr=self.log)

    def metrics(self):
        text = in_ns("curl", "-sS", "-m", "60", "127.0.0.1:9469/metrics", check=False)
        values = {}
        for line in text.splitlines():
            if line.startswith("#") or not line.strip():
                continue
            key, _, value = line.rpartition(" ")
            try:
                values[key] = float(value)
            except ValueError:
                pass
        return values

    def total(self, prefix):
        return sum(v for k, v in self.metrics().items() if k == prefix or k.startswith(prefix + "{"))

    def ready(self):
        return in_ns("curl", "-s", "-o", "/dev/null", "-w", "%{http_code}", "127.0.0.1:9469/readyz", check=False) == "200"

    def rss_kib(self):
        # The agent is the child of `ip netns exec`, which execs it: the same pid.
        with open(f"/proc/{self.process.pid}/status") as f:
            return int(re.search(r"VmRSS:\s+(\d+)", f.read()).group(1))

    def stop(self):
        self.process.terminate()
        self.process.wait()


def wait(what, seconds, condition, step=0.2):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(step)
    raise SystemExit(f"timed out waiting until {what}")


def real_servers():
    return sum(1 for line in in_ns("ipvsadm", "-Sn").splitlines() if line.startswith("-a"))


def report(results, key, value):
    results[key] = value
    print(f"{key}: {value}", file=sys.stderr, flush=True)


def run(services, endpoints, edits):
    work = tempfile.mkdtemp(prefix="k8sbench-")
    results = {"services": services, "endpoints": endpoints, "tool": os.path.relpath(TOOL, REPO)}
    sh("ip", "netns", "add", NS)
    try:
        in_ns("ip", "link", "set", "lo", "up")
        # Memory baseline: an agent with nothing to serve.
        empty = f"{work}/empty.json"
        with open(empty, "w") as f:
            json.dump(objects(0, 0), f)
        os.makedirs(f"{work}/empty")
        fake = Fake(f"{work}/empty", empty)
        agent = Agent(f"{work}/empty", f"{work}/empty/kubeconfig")
        wait("the empty agent is ready", 120, agent.ready)
        time.sleep(3)
        report(results, "rss_empty_kib", agent.rss_kib())
        agent.stop()
        fake.stop()

        objects_file = f"{work}/objects.json"
        with open(objects_file, "w") as f:
            json.dump(objects(services, endpoints), f)
        os.makedirs(f"{work}/full")
        fake = Fake(f"{work}/full", objects_file)
        started = time.monotonic()
        agent = Agent(f"{work}/full", f"{work}/full/kubeconfig")
        wait("the agent is ready", 900, agent.ready, step=1)
        wait("every real server is in the kernel", 900, lambda: real_servers() == services * endpoints, step=2)
        report(results, "cold_start_seconds", round(time.monotonic() - started, 2))
        time.sleep(5)
        report(results, "rss_kib", agent.rss_kib())
        report(results, "rss_per_service_bytes", round((results["rss_kib"] - results["rss_empty_kib"]) * 1024 / services))

        # Event to kernel: each edit replaces one endpoint of one Service.
        wall = []
        agent_seen = []
        # The passes themselves (planning and the kernel write; not the mapping before them).
        pass_seen = []
        scoped_before = agent.total("ipvsctl_scoped_reconciles_total")
        for n in range(edits):
            i = (n * 7919) % services
            count_before = agent.total("ipvsctl_desired_change_to_kernel_seconds_count")
            sum_before = agent.total("ipvsctl_desired_change_to_kernel_seconds_sum")
            passes_before = agent.total("ipvsctl_reconcile_duration_seconds_count")
            pass_sum_before = agent.total("ipvsctl_reconcile_duration_seconds_sum")
            posted = time.monotonic()
            fake.control("apply", json.dumps(slice_(i, endpoints, first=1)))
            new = f"{endpoint_address(i, endpoints)}:8080"
            wait("the edit is in the kernel", 120,
                 lambda: new in in_ns("ipvsadm", "-Ln", "-t", f"198.18.{i // 250}.{i % 250 + 1}:80"), step=0.05)
            wall.append(time.monotonic() - posted)
            wait("the agent recorded it", 60, lambda: agent.total("ipvsctl_desired_change_to_kernel_seconds_count") > count_before)
            agent_seen.append((agent.total("ipvsctl_desired_change_to_kernel_seconds_sum") - sum_before)
                              / (agent.total("ipvsctl_desired_change_to_kernel_seconds_count") - count_before))
            passes = agent.total("ipvsctl_reconcile_duration_seconds_count") - passes_before
            if passes > 0:
                pass_seen.append((agent.total("ipvsctl_reconcile_duration_seconds_sum") - pass_sum_before) / passes)
        report(results, "event_to_kernel_wall_seconds_median", round(statistics.median(wall), 3))
        results["event_to_kernel_wall_seconds"] = [round(x, 3) for x in wall]
        report(results, "event_to_kernel_agent_seconds_median", round(statistics.median(agent_seen), 3))
        if pass_seen:
            report(results, "pass_seconds_median", round(statistics.median(pass_seen), 4))
        # Passes planned for the edited Service only, against the table as last read.
        report(results, "scoped_passes_during_edits", int(agent.total("ipvsctl_scoped_reconciles_total") - scoped_before))

        # A relist with nothing changed.
        commands = agent.total("ipvsctl_kernel_commands_total")
        relists = agent.total("ipvsctl_kubernetes_relists_total")
        passes = agent.total("ipvsctl_reconciles_total")
        started = time.monotonic()
        # A write nobody watches moves the version on; compacting then leaves every watch behind.
        fake.control("apply", json.dumps({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "churn"}}))
        fake.control("compact")
        fake.control("drop-watches")
        wait("every collection relisted", 300, lambda: agent.total("ipvsctl_kubernetes_relists_total") >= relists + 3, step=0.1)
        wait("a pass after the relist", 300, lambda: agent.total("ipvsctl_reconciles_total") > passes, step=0.1)
        report(results, "relist_to_pass_seconds", round(time.monotonic() - started, 2))
        time.sleep(2)
        report(results, "relist_kernel_commands", int(agent.total("ipvsctl_kernel_commands_total") - commands))
        agent.stop()
        fake.stop()
    except BaseException:
        # The work directory goes below: keep what the agent said, for the reason.
        for log in (f"{work}/full/agent.log", f"{work}/empty/agent.log"):
            if os.path.exists(log):
                with open(log) as f:
                    print(f"--- the last lines of {os.path.basename(os.path.dirname(log))}/agent.log", file=sys.stderr)
                    sys.stderr.writelines(f.readlines()[-60:])
                break
        raise
    finally:
        sh("ip", "netns", "del", NS, check=False)
        shutil.rmtree(work, ignore_errors=True)
    return results


def main():
    global TOOL
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--services", type=int, default=2000)
    parser.add_argument("--endpoints", type=int, default=10)
    parser.add_argument("--edits", type=int, default=10)
    parser.add_argument("--output")
    parser.add_argument("--tool", default=TOOL, help="the ipvsctl-swift binary (default: the release build)")
    args = parser.parse_args()
    TOOL = os.path.abspath(args.tool)
    if not os.access(TOOL, os.X_OK):
        raise SystemExit(f"build first: swift build -c release ({TOOL})")
    print(f"tool: {TOOL}", file=sys.stderr)
    results = run(args.services, args.endpoints, args.edits)
    print(json.dumps(results, indent=2))
    if args.output:
        with open(args.output, "w") as f:
            json.dump(results, f, indent=2)


if __name__ == "__main__":
    main()
