"""System-call and netlink counts from an `strace -f` trace: the numbers that do not depend on
the machine (emulation makes every system call dearer, so times alone flatter batching)."""

import re

LINE = re.compile(r"^(?:\d+\s+)?(\w+)\((.*)$")
RETURN = re.compile(r"=\s+(-?\d+)")


def count(trace_path):
    """Per-name system-call counts, netlink sockets opened, and sends and receives on each
    netlink protocol (generic netlink carries IPVS; route netlink the VIP addresses)."""
    calls = {}
    sockets = {}
    protocol_of_fd = {}
    sends = {}
    receives = {}
    with open(trace_path, errors="replace") as trace:
        for line in trace:
            match = LINE.match(line)
            if not match:
                continue  # "<... resumed>", exits, signals
            name, rest = match.groups()
            calls[name] = calls.get(name, 0) + 1
            if name == "socket" and "AF_NETLINK" in rest:
                protocol = "generic" if "NETLINK_GENERIC" in rest else "route" if "NETLINK_ROUTE" in rest else "other"
                sockets[protocol] = sockets.get(protocol, 0) + 1
                returned = RETURN.search(rest)
                if returned and int(returned.group(1)) >= 0:
                    protocol_of_fd[int(returned.group(1))] = protocol
            elif name in ("sendmsg", "sendto", "recvmsg", "recvfrom"):
                fd = int(rest.split(",", 1)[0])
                protocol = protocol_of_fd.get(fd)
                if protocol:
                    table = sends if name.startswith("send") else receives
                    table[protocol] = table.get(protocol, 0) + 1
    return {
        "syscalls": sum(calls.values()),
        "byName": dict(sorted(calls.items(), key=lambda item: -item[1])[:12]),
        "netlinkSockets": sockets,
        "netlinkSends": sends,
        "netlinkReceives": receives,
    }
