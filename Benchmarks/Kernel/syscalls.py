"""System-call and netlink counts from an `strace -f` trace: the numbers that do not depend on
the machine (emulation makes every system call dearer, so times alone flatter batching)."""

import re

LINE = re.compile(r"^(?:(\d+)\s+)?(\w+)\((.*)$")
RESUMED = re.compile(r"^(?:(\d+)\s+)?<\.\.\. (\w+) resumed>(.*)$")
RETURN = re.compile(r"=\s+(-?\d+)")


def protocol_of(arguments):
    if "NETLINK_GENERIC" in arguments:
        return "generic"
    return "route" if "NETLINK_ROUTE" in arguments else "other"


def count(trace_path):
    """Per-name system-call counts, netlink sockets opened, and sends and receives on each
    netlink protocol (generic netlink carries IPVS; route netlink the VIP addresses)."""
    calls = {}
    sockets = {}
    protocol_of_fd = {}
    sends = {}
    receives = {}
    pending = {}  # pid -> protocol of a socket() call strace split around another thread's call
    with open(trace_path, errors="replace") as trace:
        for line in trace:
            resumed = RESUMED.match(line)
            if resumed:
                pid, name, rest = resumed.groups()
                returned = RETURN.search(rest)
                if name == "socket" and pid in pending and returned and int(returned.group(1)) >= 0:
                    protocol_of_fd[int(returned.group(1))] = pending.pop(pid)
                continue
            match = LINE.match(line)
            if not match:
                continue  # exits, signals
            pid, name, rest = match.groups()
            calls[name] = calls.get(name, 0) + 1
            if name == "socket" and "AF_NETLINK" in rest:
                protocol = protocol_of(rest)
                sockets[protocol] = sockets.get(protocol, 0) + 1
                returned = RETURN.search(rest)
                if "<unfinished ...>" in rest:
                    pending[pid] = protocol
                elif returned and int(returned.group(1)) >= 0:
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
