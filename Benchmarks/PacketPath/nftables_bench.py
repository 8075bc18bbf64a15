#!/usr/bin/env python3
"""The packet path at scale, in the kernel lab: how big our nftables table is at N services and
how long one libnftables transaction of it takes.

Run inside the lab (it needs nf_tables and IPVS), from the repository root:

  Integration/lab.sh run -- python3 Benchmarks/PacketPath/nftables_bench.py \\
      --tool .build/release/ipvsctl-swift --services 10000 --output Benchmarks/results/packet-path-10000.json

Each service has a node port (20000 + i) under externalTrafficPolicy Cluster, and every tenth a
load-balancer IP (198.19.128.0 + i) allowing two client ranges; its endpoints are 203.0.113.x,
the first on this node (a hairpin entry) and the rest elsewhere; clusterCIDRs and this node's
podCIDRs are set. Node ports rather than one external IP per service: binding tens of thousands
of addresses to one interface is quadratic in the kernel and takes many minutes under emulation,
and it is not what is measured here. The
figures: the table's rules and set elements (from `nft -j list table`, the independent witness),
the transaction of a cold apply, a second apply (no change), and a churn of 1 % of the services
(their node port moved), each as the apply reports it; medians of --rounds fresh namespaces.
"""

import argparse
import ipaddress
import json
import os
import platform
import re
import statistics
import subprocess
import sys
import tempfile
import time

# The duration is formatted for people: "1,234 ms" past a thousand.
NFT_LINE = re.compile(r"(\d+) nftables changes(?: in one transaction \(([\d,.\u202f ]+) ms\))?")
BASE_BALANCER = int(ipaddress.IPv4Address("198.19.128.0"))


def address(base, index):
    return str(ipaddress.IPv4Address(base + index))


def config(services, endpoints, moved=frozenset()):
    lines = [
        "interface: ipvs0",
        "clusterCIDRs: [203.0.113.0/24]",
        "nodes:",
        "  node-a: {addresses: [192.0.2.1], podCIDRs: [203.0.113.0/26]}",
        "  node-b: {addresses: [192.0.2.2], podCIDRs: [203.0.113.64/26]}",
        "services:",
    ]
    for index in range(services):
        node_port = 20000 + index + (20000 if index in moved else 0)
        lines += [f"  - name: bench/s{index}"]
        if index % 10 == 0:
            lines += [f"    loadBalancerIPs: [{address(BASE_BALANCER, index)}]",
                      "    loadBalancerSourceRanges: [192.0.2.0/24, 198.51.100.0/24]"]
        lines += [f"    ports: [{{port: 80, targetPort: {8000 + index % 1000}, nodePort: {node_port}}}]", "    endpoints:"]
        for slot in range(endpoints):
            node = "node-a" if slot == 0 else "node-b"
            lines.append(f"      - {{address: 203.0.113.{(index + slot) % 60 + 1}, node: {node}}}")
    return "\n".join(lines) + "\n"


def run(*command, namespace=None):
    prefix = ["ip", "netns", "exec", namespace] if namespace else []
    result = subprocess.run(prefix + list(command), capture_output=True, text=True)
    if result.returncode != 0:
        sys.exit(f"{' '.join(command)} exited {result.returncode}:\n{result.stdout[-2000:]}{result.stderr[-2000:]}")
    return result.stdout


def apply(tool, namespace, path, state):
    started = time.monotonic()
    output = run(tool, "apply", "--config", path, "--node", "node-a", "--state-dir", state, "--max-delete", "1000000",
                 namespace=namespace)
    wall = time.monotonic() - started
    match = NFT_LINE.search(output)
    if not match:
        sys.exit(f"no nftables line in the apply's summary:\n{output}")
    milliseconds = int(re.sub(r"\D", "", match.group(2) or "0"))
    return {"changes": int(match.group(1)), "transaction_ms": milliseconds, "apply_seconds": round(wall, 2)}


def table_size(namespace):
    listing = json.loads(run("nft", "-j", "list", "table", "inet", "ipvsctl_swift", namespace=namespace))["nftables"]
    rules = sum(1 for item in listing if "rule" in item)
    elements = sum(len(item["set"].get("elem", [])) for item in listing if "set" in item)
    return rules, elements


def one_round(tool, services, endpoints, directory):
    namespace = f"nftbench-{os.getpid()}-{time.monotonic_ns() % 100000}"
    subprocess.run(["ip", "netns", "add", namespace], check=True)
    try:
        for command in (["link", "set", "lo", "up"], ["link", "add", "rs0", "type", "dummy"],
                        ["addr", "add", "203.0.113.254/24", "dev", "rs0"], ["addr", "add", "192.0.2.1/32", "dev", "rs0"],
                        ["link", "set", "rs0", "up"]):
            subprocess.run(["ip", "-n", namespace] + command, check=True)
        state = tempfile.mkdtemp(dir=directory)
        cold_path = os.path.join(directory, "cold.yaml")
        moved_path = os.path.join(directory, "moved.yaml")
        cold = apply(tool, namespace, cold_path, state)
        rules, elements = table_size(namespace)
        again = apply(tool, namespace, cold_path, state)
        churn = apply(tool, namespace, moved_path, state)
        run(tool, "apply", "--config", os.path.join(directory, "empty.yaml"), "--node", "node-a", "--state-dir", state,
            "--force", namespace=namespace)
        return {"cold": cold, "rules": rules, "set_elements": elements, "no_change": again, "churn_1_percent": churn}
    finally:
        subprocess.run(["ip", "netns", "exec", namespace, "ipvsadm", "-C"], check=False)
        subprocess.run(["ip", "netns", "delete", namespace], check=False)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--tool", default=".build/release/ipvsctl-swift")
    parser.add_argument("--services", type=int, default=10000)
    parser.add_argument("--endpoints", type=int, default=2)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--output")
    arguments = parser.parse_args()

    directory = tempfile.mkdtemp(prefix="nftbench-")
    moved = frozenset(range(0, arguments.services, 100))
    with open(os.path.join(directory, "cold.yaml"), "w") as file:
        file.write(config(arguments.services, arguments.endpoints))
    with open(os.path.join(directory, "moved.yaml"), "w") as file:
        file.write(config(arguments.services, arguments.endpoints, moved))
    with open(os.path.join(directory, "empty.yaml"), "w") as file:
        file.write("interface: ipvs0\nservices: []\n")

    rounds = []
    for number in range(arguments.rounds):
        result = one_round(arguments.tool, arguments.services, arguments.endpoints, directory)
        print(f"round {number + 1}: {json.dumps(result)}", flush=True)
        rounds.append(result)

    def median(path):
        values = [round_[path[0]][path[1]] if len(path) == 2 else round_[path[0]] for round_ in rounds]
        return statistics.median(values)

    summary = {
        "services": arguments.services,
        "endpoints_per_service": arguments.endpoints,
        "rounds": len(rounds),
        "kernel": platform.release(),
        "tool": os.path.basename(arguments.tool),
        "rules": median(["rules"]),
        "set_elements": median(["set_elements"]),
        "cold_transaction_changes": median(["cold", "changes"]),
        "cold_transaction_ms": median(["cold", "transaction_ms"]),
        "no_change_transaction_changes": median(["no_change", "changes"]),
        "churn_transaction_changes": median(["churn_1_percent", "changes"]),
        "churn_transaction_ms": median(["churn_1_percent", "transaction_ms"]),
        "cold_apply_seconds": median(["cold", "apply_seconds"]),
        "churn_apply_seconds": median(["churn_1_percent", "apply_seconds"]),
        "raw": rounds,
    }
    print(json.dumps({k: v for k, v in summary.items() if k != "raw"}, indent=2))
    if arguments.output:
        with open(arguments.output, "w") as file:
            json.dump(summary, file, indent=2)
            file.write("\n")


if __name__ == "__main__":
    main()
