"""The kernel-lab workloads of the side-by-side benchmark, as input files for each contender.

The same table as the floor (ipvs-floor.c) and its `w1-rules`, in the same order, so that all
three contenders do the same kernel work: virtual service i is 198.18.0.0 + i port 80 (the
benchmarking range, rr, masquerade), its real servers 203.0.113.1... port 8000 + i % 1000,
weight 1. Benchmarks/Sources/Workloads/SyntheticTable.swift builds the same table for the host
benchmarks.

  W1 cold apply   the table, into an empty namespace
  W2 churn        every 100th service: its last real server removed, a new one added, the
                  first two re-weighted to 2 (four kernel commands per changed service)
  W3 no-op        W1 again (for us: plan against the kernel, send nothing)
  W4 storm        the backend host 203.0.113.1 fails: its real server in every service (10 %
                  of them with 10 per service) goes to weight 0, then back (W2's weights)
"""

import ipaddress
import os

VIP_BASE = int(ipaddress.IPv4Address("198.18.0.0"))


def vip(index):
    return str(ipaddress.IPv4Address(VIP_BASE + index))


def target_port(index):
    return 8000 + index % 1000


def real_server(slot):
    return f"203.0.113.{slot % 250 + 1}"


def cold(services, per_service):
    """W1: {service index: {real server address: weight}}, in the floor's order."""
    return [{real_server(slot): 1 for slot in range(per_service)} for _ in range(services)]


def churned(table, per_service):
    """W2 on top of W1."""
    out = [dict(servers) for servers in table]
    for index in range(0, len(out), 100):
        servers = out[index]
        del servers[real_server(per_service - 1)]
        servers[real_server(per_service)] = 1
        servers[real_server(0)] = 2
        servers[real_server(1)] = 2
    return out


def storm(table):
    """W4's first half: the first backend host at weight 0 everywhere."""
    out = [dict(servers) for servers in table]
    for servers in out:
        servers[real_server(0)] = 0
    return out


def config_yaml(table):
    """The ipvsctl-swift config: defaults are rr, masquerade and weight 1, like the floor."""
    lines = ["interface: ipvs0", "services:"]
    for index, servers in enumerate(table):
        lines += [
            f"  - name: bench/s{index}",
            f"    clusterIPs: [{vip(index)}]",
            f"    ports: [{{port: 80, targetPort: {target_port(index)}}}]",
            "    endpoints:",
        ]
        for address, weight in servers.items():
            extra = "" if weight == 1 else f", weight: {weight}"
            lines.append(f"      - {{address: {address}{extra}}}")
    return "\n".join(lines) + "\n"


def rules_full(table):
    """`ipvsadm -R` input that builds the table (byte for byte what w1-rules writes for W1)."""
    lines = []
    for index, servers in enumerate(table):
        service = f"-t {vip(index)}:80"
        lines.append(f"-A {service} -s rr")
        for address, weight in servers.items():
            lines.append(f"-a {service} -r {address}:{target_port(index)} -m -w {weight}")
    return "\n".join(lines) + "\n"


def rules_delta(before, after):
    """`ipvsadm -R` input that turns `before` into `after`: what a careful ipvsadm user sends.
    `-e` needs `-m` again, or ipvsadm would switch the real server to direct routing."""
    lines = []
    for index, (old, new) in enumerate(zip(before, after)):
        service = f"-t {vip(index)}:80"
        port = target_port(index)
        for address in old.keys() - new.keys():
            lines.append(f"-d {service} -r {address}:{port}")
        for address, weight in new.items():
            if address not in old:
                lines.append(f"-a {service} -r {address}:{port} -m -w {weight}")
            elif old[address] != weight:
                lines.append(f"-e {service} -r {address}:{port} -m -w {weight}")
    return "\n".join(lines) + "\n"


def commands(before, after):
    """How many IPVS commands turn `before` into `after` (0 for a no-op)."""
    if before is None:
        return sum(1 + len(servers) for servers in after)
    return len([line for line in rules_delta(before, after).splitlines() if line])


def write_all(directory, services, per_service):
    """Writes every input file; returns the expected command count of each step."""
    os.makedirs(directory, exist_ok=True)
    w1 = cold(services, per_service)
    w2 = churned(w1, per_service)
    down = storm(w2)
    files = {
        "w1.yaml": config_yaml(w1),
        "w2.yaml": config_yaml(w2),
        "w4-down.yaml": config_yaml(down),
        "w1.rules": rules_full(w1),
        "w2.rules": rules_delta(w1, w2),
        "w4-down.rules": rules_delta(w2, down),
        "w4-up.rules": rules_delta(down, w2),
        # For the contender that measures IPVS alone: the VIPs bound beforehand, untimed.
        "vips.batch": "".join(f"address add {vip(i)}/32 dev ipvs0\n" for i in range(services)),
    }
    for name, text in files.items():
        with open(os.path.join(directory, name), "w") as out:
            out.write(text)
    return {
        "W1": commands(None, w1),
        "W2": commands(w1, w2),
        "W3": 0,
        "W4down": commands(w2, down),
        "W4up": commands(down, w2),
    }
